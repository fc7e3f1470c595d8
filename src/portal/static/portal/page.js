// Buttons that ask before acting (data-confirm="…"), print buttons (data-print) and fields whose text is selected
// when focused (data-select-on-focus, a token to copy): no inline handlers, so
// the pages can forbid inline script (portal.web.csp).
document.addEventListener("click", function (event) {
  var asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
    event.preventDefault();
    return;
  }
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});
