// Safeguard's own behaviour: the "Hide screen" button, which blanks the page at once.
(function () {
  "use strict";
  var overlay = document.getElementById("hide-screen");
  var hideButton = document.getElementById("hide-screen-button");
  var showButton = document.getElementById("show-screen");
  if (!overlay || !hideButton || !showButton) return;
  var realTitle = document.title;
  var lastEscape = 0;

  function hide() {
    overlay.hidden = false;
    overlay.setAttribute("aria-hidden", "false");
    document.title = "New tab";
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el !== overlay && el.tagName !== "SCRIPT") el.setAttribute("inert", "");
    });
    showButton.focus();
  }

  function show() {
    overlay.hidden = true;
    overlay.setAttribute("aria-hidden", "true");
    document.title = realTitle;
    Array.prototype.forEach.call(document.body.children, function (el) {
      el.removeAttribute("inert");
    });
    hideButton.focus();
  }

  hideButton.addEventListener("click", hide);
  showButton.addEventListener("click", show);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !overlay.hidden) return;
    var now = Date.now();
    if (now - lastEscape < 600) hide();
    lastEscape = now;
  });
})();
