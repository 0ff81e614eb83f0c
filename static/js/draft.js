// Nothing typed into a draft is lost, even when the session ends between two autosaves:
// what is typed is kept in this tab's sessionStorage until the server has saved it, and put back
// (then saved) when the draft page opens again after signing in. sessionStorage belongs to this
// tab only and is cleared when the tab closes.
(function () {
  "use strict";
  var form = document.getElementById("concern-form");
  if (!form || !window.sessionStorage) return;
  var key = "safeguard-draft-" + form.getAttribute("data-draft-id");

  // One editor token per browser tab (not per page load): every save from this tab, even one
  // still on its way from the page before, counts as the same editor; only another tab or device
  // can cause a "changed elsewhere" conflict.
  var editor = form.querySelector("input[name='editor']");
  if (editor) {
    var tabToken = sessionStorage.getItem("safeguard-editor");
    if (!tabToken) {
      tabToken = editor.value;
      sessionStorage.setItem("safeguard-editor", tabToken);
    }
    editor.value = tabToken;
  }
  var skip = { csrfmiddlewaretoken: true, action: true, pupil_q: true };

  function snapshot() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || skip[name] || name.indexOf("mark-") === 0) return;
      (data[name] = data[name] || []).push(value);
    });
    return data;
  }

  function keep() {
    try { sessionStorage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* storage full */ }
  }

  function restore(data) {
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || skip[el.name]) return;
      var values = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        var want = values.indexOf(el.value) !== -1;
        if (el.checked !== want) { el.checked = want; changed = true; }
      } else if (el.type !== "file" && el.type !== "hidden" && el.value !== values[0]) {
        el.value = values[0];
        changed = true;
      }
    });
    return changed;
  }

  // After the page has loaded, so htmx is ready to send the restored answers.
  window.addEventListener("load", function () {
  var stored = sessionStorage.getItem(key);
  if (stored) {
    try {
      if (restore(JSON.parse(stored))) {
        document.getElementById("restored-banner").hidden = false;
        if (window.htmx) window.htmx.trigger(form, "change");
      } else {
        sessionStorage.removeItem(key);
      }
    } catch (e) { sessionStorage.removeItem(key); }
  }
  });

  // Enter in the pupil search looks pupils up at once, and must not submit the form. The search
  // listens for "pupil-search": an htmx trigger filter (keyup[key=='Enter']) would need eval,
  // which the Content-Security-Policy refuses (docs/adr/0029).
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target || event.target.id !== "pupil-search") return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(event.target, "pupil-search");
  });

  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  // A 409 from autosave says another tab saved first: show its message (htmx would not).
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409 && event.detail.requestConfig.elt === form) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.elt === form && event.detail.successful && !xhr.getResponseHeader("HX-Redirect")) {
      sessionStorage.removeItem(key);
    }
  });
})();
