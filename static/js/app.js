// Safeguard's own behaviour: the "Hide screen" button, which blanks the page at once.
// The keyboard shortcut is the one GOV.UK's "Exit this page" uses: Shift pressed 3 times.
(function () {
  "use strict";
  var overlay = document.getElementById("hide-screen");
  var hideButton = document.getElementById("hide-screen-button");
  var showButton = document.getElementById("show-screen");
  if (!overlay || !hideButton || !showButton) return;
  var realTitle = document.title;
  var shiftPresses = [];

  function hide() {
    overlay.hidden = false;
    overlay.setAttribute("aria-hidden", "false");
    realTitle = document.title;
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
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !overlay.hidden) return;
    var now = Date.now();
    shiftPresses = shiftPresses.filter(function (t) { return now - t < 1000; });
    shiftPresses.push(now);
    if (shiftPresses.length >= 3) {
      shiftPresses = [];
      hide();
    }
  });
})();
