// The time-out warning (WCAG 2.2.1, GOV.UK's timeout pattern): a signed-in page warns before an
// idle session ends, and "Stay signed in" keeps it. The server decides (SessionLifetimeMiddleware);
// this page only counts from the last request the person made: a page load, or an htmx request
// that was not one the page makes by itself (X-Safeguard-Background).
(() => {
  const body = document.body;
  const idle = Number(body.dataset.sessionIdle);
  const dialog = document.getElementById("session-timeout");
  if (!idle || !dialog || typeof dialog.showModal !== "function") return;
  const warning = Number(body.dataset.sessionWarning) || 300;
  const left = document.getElementById("session-timeout-left");
  let lastActive = Date.now();

  const words = (seconds) => {
    if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
    if (seconds > 60) return "1 minute";
    const s = Math.max(0, Math.ceil(seconds));
    return `${s} second${s === 1 ? "" : "s"}`;
  };
  const active = () => {
    lastActive = Date.now();
    if (dialog.open) dialog.close();
  };

  body.addEventListener("htmx:afterRequest", (event) => {
    const headers = (event.detail.requestConfig || {}).headers || {};
    if (headers["X-Safeguard-Background"] !== "1") active();
  });
  document.getElementById("session-stay").addEventListener("click", async () => {
    const response = await fetch(body.dataset.keepAlive, { credentials: "same-origin" });
    if (response.status === 204) active();
    else window.location.reload(); // already signed out: the page says so
  });
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // Esc is not "stay"

  window.setInterval(() => {
    const remaining = idle - (Date.now() - lastActive) / 1000;
    if (remaining <= 0) {
      const here = window.location.pathname + window.location.search;
      window.location.href = `${body.dataset.signIn}?next=${encodeURIComponent(here)}`;
      return;
    }
    if (remaining <= warning && !dialog.open) {
      left.textContent = words(remaining);
      dialog.showModal();
      document.getElementById("session-stay").focus();
    }
    // Announced once when it opens (aria-describedby); the figure then changes quietly every
    // 15 seconds, so a screen reader is not interrupted each second.
    if (dialog.open && Math.round(remaining) % 15 === 0) left.textContent = words(remaining);
  }, 1000);
})();
