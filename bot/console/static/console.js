// Console helpers (no inline scripts: the CSP allows only these files).
// Canned replies fill the reply box; forms with data-confirm ask first; the live transcript
// stays scrolled to the newest message unless the worker scrolled up to read.
(function () {
  "use strict";

  function wire(root) {
    root.querySelectorAll("select[data-target]").forEach(function (select) {
      if (select.dataset.wired) return;
      select.dataset.wired = "1";
      select.addEventListener("change", function () {
        var box = document.getElementById(select.dataset.target);
        if (box && select.value) {
          box.value = box.value ? box.value + "\n" + select.value : select.value;
          box.focus();
        }
        select.value = "";
      });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  var atBottom = true;
  function transcript() { return document.querySelector("#live .transcript"); }
  function toBottom() { var t = transcript(); if (t) t.scrollTop = t.scrollHeight; }

  document.addEventListener("DOMContentLoaded", function () { wire(document); toBottom(); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var t = transcript();
    if (t && event.target.id === "live") atBottom = t.scrollTop + t.clientHeight >= t.scrollHeight - 40;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    wire(event.target);
    if (event.target.id === "live" && atBottom) toBottom();
  });
})();
