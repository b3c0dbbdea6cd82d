// A form shown again with errors: its summary takes the focus, so that a screen reader reads
// it first and the page opens at it (GOV.UK's error summary). Without JavaScript the summary
// is still the first thing of the form, announced by role="alert".
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}
