// Web chat client: posts each message to /api/chat and draws the replies and their buttons.
(function () {
  "use strict";
  const phone = document.querySelector(".phone");
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const language = phone.dataset.language;
  const council = phone.dataset.council || null;

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function bubble(text, who, from) {
    const el = document.createElement("div");
    el.className = "bubble " + who;
    el.dir = "auto";
    if (from) {
      // A person wrote this, not the bot: say who, so the young person knows.
      const label = document.createElement("span");
      label.className = "from";
      label.textContent = phone.dataset.paLabel.replace("{name}", from);
      el.appendChild(label);
    }
    el.appendChild(document.createTextNode(text));
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
  }

  function buttons(list) {
    if (!list.length) return;
    const row = document.createElement("div");
    row.className = "buttons";
    for (const b of list) {
      const el = document.createElement("button");
      el.type = "button";
      el.dir = "auto";
      el.textContent = b.title;
      el.addEventListener("click", () => { row.remove(); send({ payload: b.payload }, b.title); });
      row.appendChild(el);
    }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  async function send(body, shown, attempt) {
    body.message_id = body.message_id || newId();
    body.language = language;
    if (council) body.council = council;
    if (!attempt) bubble(shown, "user");
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json();
      // The API's error is for developers; the young person gets a translated sentence
      // (when sending too fast, the server's own line, with the numbers).
      if (response.status === 429 && data.messages) {
        for (const m of data.messages) bubble(m.text, "bot");
        return;
      }
      if (!response.ok) { bubble(phone.dataset.errorText, "bot"); return; }
      for (const m of data.messages) { bubble(m.text, "bot"); buttons(m.buttons); }
    } catch (err) {
      // Same message id: if the first try did arrive, the server answers it once only.
      if ((attempt || 0) < 2) setTimeout(() => send(body, shown, (attempt || 0) + 1), 1500);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send({ text: text }, text);
  });

  // A PA's reply (or a check-in) arrives without being asked for: look every few seconds.
  let last = 0;
  async function poll() {
    try {
      const response = await fetch("/api/updates?after=" + last, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        // On opening the page, earlier messages from the PA are shown once, then new ones.
        for (const m of data.messages) bubble(m.text, "bot pushed", m.from);
        last = data.last;
      }
    } catch (err) { /* offline for a moment: try again at the next tick */ }
    setTimeout(poll, 4000);
  }

  // "Forget this device" (a shared phone): the server unlinks this chat and drops the cookie.
  const forget = document.getElementById("forget");
  forget.addEventListener("click", async () => {
    try {
      const response = await fetch("/api/forget", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      if (!response.ok) throw new Error("not forgotten");
      log.textContent = "";
      bubble(forget.dataset.doneText, "bot");
    } catch (err) {
      bubble(phone.dataset.errorText, "bot");
    }
  });

  send({ text: "/start" }, "", 1).then(poll);
})();
