// Keeps what a customer types through their personal link, so reopening the link resumes it. The page works
// without this: the "Save and finish later" button does the same on request.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch || !window.FormData) return;
  var url = form.getAttribute("data-draft-url");
  var status = document.getElementById("draft-status");
  var timer = null;
  var sending = false;

  function data() {
    var body = new FormData(form);
    body.set("locale", document.documentElement.lang || "");
    return body;
  }

  function save() {
    timer = null;
    fetch(url, { method: "POST", body: data(), credentials: "same-origin", keepalive: true })
      .then(function (response) {
        if (response.ok && status) status.textContent = status.getAttribute("data-saved");
      })
      .catch(function () { /* offline for a moment: the next change, or the button, saves it */ });
  }

  function later(delay) {
    if (sending) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  form.addEventListener("input", function () { later(800); });
  form.addEventListener("change", function () { later(200); });
  form.addEventListener("submit", function () {
    sending = true;
    if (timer) clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer && !sending) {
      clearTimeout(timer);
      timer = null;
      if (navigator.sendBeacon) navigator.sendBeacon(url, data()); else save();
    }
  });
})();
