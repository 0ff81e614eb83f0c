// Narrow a long list of pupil checkboxes as the person types (allegations: pupils involved).
// Without JavaScript every pupil is listed; with it, the list shows the pupils ticked so far and
// those matching every word typed, so nothing needs ctrl-click and it works by keyboard and touch.
(function () {
  "use strict";
  var filter = document.querySelector("[data-pupil-filter]");
  if (!filter) return;
  var input = filter.querySelector("input[type='search']");
  var status = filter.querySelector("[role='status']");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-pupil-search]"));
  var MAX_SHOWN = 30;
  filter.hidden = false;

  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var matched = 0;
    var ticked = 0;
    items.forEach(function (item) {
      var box = item.querySelector("input");
      var text = item.getAttribute("data-pupil-search");
      var matches = words.length > 0 && words.every(function (w) { return text.indexOf(w) !== -1; });
      if (box.checked) ticked += 1;
      if (matches && !box.checked) matched += 1;
      // Not the hidden attribute: GOV.UK's checkbox items set their own display.
      item.style.display = box.checked || (matches && matched <= MAX_SHOWN) ? "" : "none";
    });
    var parts = [];
    if (ticked) parts.push(ticked + " ticked");
    if (words.length) {
      if (matched === 0) parts.push("no other pupils match");
      else if (matched > MAX_SHOWN) parts.push(matched + " match: the first " + MAX_SHOWN + " are shown, type more of the name");
      else parts.push(matched + " match" + (matched === 1 ? "es" : ""));
    } else if (!ticked) {
      parts.push("Type to find a pupil");
    }
    status.textContent = parts.join(", ");
  }

  input.addEventListener("input", apply);
  // Enter in the search box must not send the whole form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
  items.forEach(function (item) {
    item.querySelector("input").addEventListener("change", apply);
  });
  apply();
})();
