// Body map: tap a spot (or press Enter on a body part) to place a new mark, then describe it.
(function () {
  "use strict";
  function bind(root) {
    var side = document.getElementById("id_mark-side");
    var x = document.getElementById("id_mark-x");
    var y = document.getElementById("id_mark-y");
    var region = document.getElementById("id_mark-region");
    var where = document.getElementById("mark-where");
    var description = document.getElementById("id_mark-description");
    if (!side || !x || !y) return;

    function place(svg, px, py, name) {
      side.value = svg.getAttribute("data-side");
      x.value = px.toFixed(2);
      y.value = py.toFixed(2);
      region.value = name;
      root.querySelectorAll(".app-body-map__pending").forEach(function (g) { g.setAttribute("display", "none"); });
      var pending = svg.querySelector(".app-body-map__pending");
      pending.querySelector("circle").setAttribute("cx", px);
      pending.querySelector("circle").setAttribute("cy", py * 2);
      pending.removeAttribute("display");
      where.textContent = "New mark: " + (svg.getAttribute("data-side") === "front" ? "front" : "back") + ", " + name + ". Now describe what you saw.";
      description.focus();
    }

    root.querySelectorAll(".app-body-map__svg").forEach(function (svg) {
      svg.addEventListener("click", function (event) {
        var point = svg.createSVGPoint();
        point.x = event.clientX;
        point.y = event.clientY;
        var local = point.matrixTransform(svg.getScreenCTM().inverse());
        var target = event.target.closest(".app-body-map__region");
        var name = target ? target.getAttribute("data-region") : "outline";
        place(svg, Math.max(0, Math.min(100, local.x)), Math.max(0, Math.min(100, local.y / 2)), name);
      });
      svg.querySelectorAll(".app-body-map__region").forEach(function (el) {
        el.addEventListener("keydown", function (event) {
          if (event.key !== "Enter" && event.key !== " ") return;
          event.preventDefault();
          place(svg, parseFloat(el.getAttribute("data-x")), parseFloat(el.getAttribute("data-y")), el.getAttribute("data-region"));
        });
      });
    });
  }
  function init() {
    var root = document.querySelector("[data-module='app-body-map']");
    if (root && !root.dataset.bound) { root.dataset.bound = "1"; bind(root); }
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
