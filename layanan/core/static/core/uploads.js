// Uploads from phones, with JavaScript (progressive enhancement: without it the form posts as
// usual and the server shrinks the photos itself).
//
// On a form marked data-upload-form that has a file chosen:
// * a photo larger than its input's data-upload-max-bytes, or larger than 1 MB on a slow
//   connection, is shrunk in the browser first (canvas, at most data-upload-max-side pixels on
//   the longest side, JPEG): it is sent in seconds instead of minutes, and the canvas leaves
//   its EXIF (the GPS position) behind. What the browser cannot read (a PDF, a HEIC outside
//   Safari) is sent as it is.
// * the form is sent with XMLHttpRequest, whose upload events drive a progress bar; the page
//   the server answers (the form with its errors, or the page it redirects to) then replaces
//   this one, as a normal submission would have shown it.
(() => {
  const SLOW_CONNECTION_MIN_BYTES = 1024 * 1024;
  const JPEG_QUALITY = 0.85;

  function slowConnection() {
    const connection = navigator.connection;
    if (!connection) {
      return false;
    }
    return Boolean(connection.saveData) || /(^|-)(2g|3g)$/.test(connection.effectiveType || "");
  }

  async function decoded(file) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      if (error instanceof TypeError) {
        // Browsers that predate the option apply the EXIF orientation by default.
        return createImageBitmap(file);
      }
      throw error;
    }
  }

  async function shrunk(file, input, announce) {
    const maxBytes = Number(input.dataset.uploadMaxBytes);
    const maxSide = Number(input.dataset.uploadMaxSide);
    const worthIt =
      file.size > maxBytes || (slowConnection() && file.size > SLOW_CONNECTION_MIN_BYTES);
    if (!worthIt || !file.type.startsWith("image/") || !window.createImageBitmap) {
      return file;
    }
    announce();
    let bitmap;
    try {
      bitmap = await decoded(file);
    } catch {
      return file; // e.g. a HEIC in a browser that cannot show one: the server converts it
    }
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a JPEG has no transparency: what was transparent turns white
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => {
      canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY);
    });
    if (!blob || (blob.size >= file.size && file.size <= maxBytes)) {
      return file;
    }
    const name = `${file.name.replace(/\.[^.]*$/, "") || "foto"}.jpg`;
    return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
  }

  function statusLine(form) {
    let status = form.querySelector("[data-upload-status]");
    if (!status) {
      status = document.createElement("div");
      status.className = "mt-3";
      status.dataset.uploadStatus = "";
      const bar = document.createElement("progress");
      bar.className = "w-100";
      bar.max = 100;
      bar.value = 0;
      const text = document.createElement("p");
      text.className = "small mb-0";
      text.setAttribute("role", "status");
      status.append(bar, text);
      form.append(status);
    }
    const bar = status.querySelector("progress");
    const text = status.querySelector("p");
    return {
      show(message, percent) {
        status.hidden = false;
        if (percent === undefined) {
          bar.removeAttribute("value"); // indeterminate
        } else {
          bar.value = percent;
        }
        if (text.textContent !== message) {
          text.textContent = message;
        }
      },
    };
  }

  function showPage(xhr) {
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    if (xhr.responseURL && xhr.responseURL !== window.location.href) {
      // The page the server redirected to: a reload shows it, not the form sent again.
      window.history.replaceState(null, "", xhr.responseURL);
    }
    document.title = page.title;
    // Scripts of the new page do not run (DOMParser marks them so); the ones that matter
    // are loaded on this page already and are applied to the new content below.
    document.body.replaceWith(document.adoptNode(page.body));
    // At once, as a new page opens (Bootstrap makes scrolling smooth otherwise).
    window.scrollTo({ top: 0, left: 0, behavior: "instant" });
    if (window.htmx) {
      window.htmx.process(document.body);
    }
    const summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus(); // as core/error-summary.js does on a page loaded normally
    }
    enhance(document);
  }

  async function send(form, submitter) {
    const inputs = [...form.querySelectorAll("input[type=file][data-upload-max-bytes]")].filter(
      (input) => input.files.length > 0,
    );
    const status = statusLine(form);
    const buttons = [...form.querySelectorAll("button[type=submit], input[type=submit]")];
    buttons.forEach((button) => {
      button.disabled = true;
    });
    const data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    for (const input of inputs) {
      const file = await shrunk(input.files[0], input, () => {
        status.show(form.dataset.uploadShrinking);
      });
      data.set(input.name, file, file.name);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        // Whole tens only: a screen reader is not told every percent.
        const percent = Math.floor((event.loaded / event.total) * 10) * 10;
        status.show(`${form.dataset.uploadSending} ${percent}%`, percent);
      }
    });
    xhr.upload.addEventListener("load", () => {
      status.show(form.dataset.uploadChecking);
    });
    xhr.addEventListener("load", () => showPage(xhr));
    const failed = () => {
      status.show(form.dataset.uploadFailed, 0);
      buttons.forEach((button) => {
        button.disabled = false;
      });
    };
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.addEventListener("timeout", failed);
    xhr.send(data);
  }

  function enhance(root) {
    root.querySelectorAll("form[data-upload-form]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        const chosen = [...form.querySelectorAll("input[type=file][data-upload-max-bytes]")].some(
          (input) => input.files.length > 0,
        );
        if (!chosen || !window.FormData || !window.DOMParser) {
          return; // nothing to upload: the form posts as usual
        }
        event.preventDefault();
        send(form, event.submitter).catch(() => {
          form.submit(); // anything unexpected: the ordinary submission, unshrunk
        });
      });
    });
  }

  enhance(document);
})();
