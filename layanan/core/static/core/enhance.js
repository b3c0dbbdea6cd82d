// Progressive enhancement: with JavaScript, controls that only serve no-JS users hide.
document.documentElement.classList.add("js");
