// Web chat client: posts each message to /api/chat and draws the replies and their buttons.
(function () {
  "use strict";
  const phone = document.querySelector(".phone");
  const log = document.getElementById("log");
  const intro = document.getElementById("intro");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const language = phone.dataset.language;
  const council = phone.dataset.council || null;
  // Only these become links: a number to call or text, digits only (the server made them).
  const SAFE_HREF = /^(tel:\+?[0-9]{3,15}|sms:[0-9]{3,15})$/;
  // Bumped by "Forget this device": answers to requests made before it are dropped.
  let generation = 0;

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A message's text as text nodes, and its phone numbers as links (never as HTML).
  function addText(el, message) {
    const parts = Array.isArray(message.parts) ? message.parts : [{ text: message.text }];
    for (const part of parts) {
      if (!part || typeof part.text !== "string") continue;
      if (typeof part.href === "string" && SAFE_HREF.test(part.href)) {
        const link = document.createElement("a");
        link.className = "tel";
        link.href = part.href;
        link.dir = "ltr";
        link.textContent = part.text;
        el.appendChild(link);
      } else {
        el.appendChild(document.createTextNode(part.text));
      }
    }
  }

  function bubble(message, who, from) {
    if (typeof message === "string") message = { text: message };
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
    addText(el, message);
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
    const mine = generation;
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
      if (mine !== generation) return;
      // The API's error is for developers; the young person gets a translated sentence
      // (when sending too fast, or when the server could not keep the message, the
      // server's own lines, with the numbers).
      if ((response.status === 429 || response.status === 503) && data.messages) {
        for (const m of data.messages) bubble(m, "bot");
        return;
      }
      if (!response.ok) { bubble(phone.dataset.errorText, "bot"); return; }
      for (const m of data.messages) { bubble(m, "bot"); buttons(m.buttons); }
    } catch (err) {
      // Same message id: if the first try did arrive, the server answers it once only.
      if (mine === generation && (attempt || 0) < 2) {
        setTimeout(() => send(body, shown, (attempt || 0) + 1), 1500);
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send({ text: text }, text);
  });

  // The first screen's council question (when the page does not name a council).
  for (const choice of document.querySelectorAll("#council-choices button")) {
    choice.addEventListener("click", () => send({ payload: choice.dataset.payload }, choice.textContent));
  }

  // A PA's reply (or a check-in) arrives without being asked for: look every few seconds.
  let last = 0;
  async function poll() {
    const mine = generation;
    try {
      const response = await fetch("/api/updates?after=" + last, { credentials: "same-origin" });
      if (response.ok && mine === generation) {
        const data = await response.json();
        if (mine === generation) {
          // On opening the page, earlier messages from the PA are shown once, then new ones.
          for (const m of data.messages) bubble(m, "bot pushed", m.from);
          last = data.last;
        }
      }
    } catch (err) { /* offline for a moment: try again at the next tick */ }
    setTimeout(poll, 4000);
  }

  // "Forget this device" (a shared phone): asked first; then the server unlinks this chat
  // and drops the cookie, and the page starts again as a new, anonymous visitor.
  const forget = document.getElementById("forget");
  const confirmBox = document.getElementById("forget-confirm");
  function showConfirm(open) {
    confirmBox.hidden = !open;
    forget.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) document.getElementById("forget-no").focus();
  }
  forget.addEventListener("click", () => showConfirm(confirmBox.hidden));
  document.getElementById("forget-no").addEventListener("click", () => { showConfirm(false); forget.focus(); });
  const deleteInstead = document.getElementById("delete-instead");
  deleteInstead.addEventListener("click", () => {
    showConfirm(false);
    send({ payload: deleteInstead.dataset.payload }, deleteInstead.textContent);
  });
  document.getElementById("forget-yes").addEventListener("click", async () => {
    showConfirm(false);
    try {
      const response = await fetch("/api/forget", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ confirm: true }),
      });
      if (!response.ok) throw new Error("not forgotten");
      generation += 1;
      last = 0;
      // Nothing of the old chat stays on screen; the first screen does.
      while (log.lastChild && log.lastChild !== intro) log.removeChild(log.lastChild);
      bubble(forget.dataset.doneText, "bot");
      send({ text: "/start" }, "", 1);
    } catch (err) {
      bubble(phone.dataset.errorText, "bot");
    }
  });

  send({ text: "/start" }, "", 1).then(poll);
})();
