// Web chat client of the Rasa REST channel. Texts are shown with textContent, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  let sender = localStorage.getItem("ltsa-sender");
  if (!sender) {
    sender = "web-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    localStorage.setItem("ltsa-sender", sender);
  }
  let lastPush = Number(localStorage.getItem("ltsa-last-push") || "0");

  function show(kind, text, buttons, label) {
    const div = document.createElement("div");
    div.className = "msg " + kind;
    if (label) div.dataset.label = label;
    div.textContent = text;
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", () => send(b.payload, b.title));
        row.appendChild(btn);
      }
      div.appendChild(row);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  async function send(message, shown) {
    show("user", shown === undefined ? message : shown);
    try {
      const res = await fetch("/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message }),
      });
      const replies = await res.json();
      if (!res.ok) { show("bot", "⚠ " + (replies.detail || res.status)); return; }
      for (const r of replies) show(r.sender === "staff" ? "staff" : "bot", r.text || "", r.buttons, r.sender === "staff" ? "Petugas" : "");
    } catch (e) {
      show("bot", "⚠ Koneksi terputus. Coba lagi.");
    }
  }

  async function poll() {
    try {
      const res = await fetch("/webhooks/rest/messages?sender=" + encodeURIComponent(sender) + "&after=" + lastPush);
      if (res.ok) {
        for (const m of await res.json()) {
          show(m.sender === "staff" ? "staff" : "bot", m.text || "", m.buttons, m.sender === "staff" ? "Petugas" : "");
          lastPush = Math.max(lastPush, m.id);
        }
        localStorage.setItem("ltsa-last-push", String(lastPush));
      }
    } catch (e) { /* offline: try again later */ }
    setTimeout(poll, 3000);
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  poll();
})();
