// The emulator's web chat: pick a LINE user, chat with the bot, see what it sends as it arrives.
// Plain DOM, no framework and no build step. Bot data is only ever put in the page through
// textContent and checked attributes, never as HTML.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("webchat-config").textContent);
  const API = config.api;
  const $ = (id) => document.getElementById(id);
  const els = {
    body: document.body,
    userList: $("user-list"),
    usersEmpty: $("users-empty"),
    newUserForm: $("new-user-form"),
    newUserName: $("new-user-name"),
    demo: $("demo"), // absent when the emulator was given no demo identities
    demoStatus: $("demo-status"),
    usersOpen: $("users-open"),
    usersClose: $("users-close"),
    chatName: $("chat-name"),
    chatSub: $("chat-sub"),
    conn: $("conn"),
    log: $("log"),
    placeholder: $("placeholder"),
    chips: $("chips"),
    picker: $("picker"),
    pickerLabel: $("picker-label"),
    pickerInput: $("picker-input"),
    pickerOk: $("picker-ok"),
    pickerCancel: $("picker-cancel"),
    composer: $("composer"),
    textInput: $("text-input"),
    imageButton: $("image-button"),
    imageInput: $("image-input"),
    locationButton: $("location-button"),
    stickerButton: $("sticker-button"),
    richMenu: $("richmenu"),
    richMenuBoard: $("richmenu-board"),
    richMenuImage: $("richmenu-image"),
    richMenuBar: $("richmenu-bar"),
    richMenuBarText: $("richmenu-bar-text"),
  };

  // Phones: show the user list at once (before the first paint) when no user is chosen yet.
  if (!new URL(window.location.href).searchParams.get("user")) els.body.classList.add("show-users");

  const POLL_BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
  const TEXT_SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  const SPACINGS = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const IMAGE_SIZES = {
    xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200, "5xl": 220,
  };
  const PICKER_TYPES = { date: "date", time: "time", datetime: "datetime-local" };

  const state = {
    users: [],
    userId: null,
    seq: 0, // newest bot delivery shown
    mine: 0, // newest of the user's own entries fetched
    generation: 0, // bumped when the conversation shown changes; stale polls stop
    controller: null,
    ownRows: new Map(), // client_id -> row shown at once when the user sent it
    entryRows: new Map(), // id of the user's own entry -> its row
    shownDeliveries: new Set(), // seqs of bot deliveries on screen
    pickerAction: null,
    richMenuId: "", // the rich menu shown under the chat ("" none)
  };

  // ---- small helpers ---------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function newClientId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  /** A URL safe to load or open: http(s), this server's own paths, blob: and data: images. */
  function safeUrl(url, { allowOther = false } = {}) {
    if (typeof url !== "string" || !url) return null;
    if (url.startsWith("/") && !url.startsWith("//")) return url;
    if (url.startsWith("blob:") || url.startsWith("data:image/")) return url;
    let parsed;
    try {
      parsed = new URL(url, window.location.href);
    } catch (err) {
      return null;
    }
    const ok = ["http:", "https:"].concat(allowOther ? ["tel:", "mailto:"] : []);
    return ok.includes(parsed.protocol) ? parsed.href : null;
  }

  function safeColor(color) {
    return typeof color === "string" && /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(color) ? color : null;
  }

  function px(value, table) {
    if (typeof value !== "string") return null;
    if (table && value in table) return table[value] + "px";
    return /^\d+(\.\d+)?(px|%)$/.test(value) ? value : null;
  }

  function clock(seconds) {
    const date = seconds ? new Date(seconds * 1000) : new Date();
    return date.toLocaleTimeString("th-TH", { hour: "2-digit", minute: "2-digit" });
  }

  function initial(name) {
    const chars = Array.from((name || "?").trim());
    return chars.length ? chars[0] : "?";
  }

  function scrollToEnd() {
    els.log.scrollTop = els.log.scrollHeight;
  }

  async function api(path, options = {}) {
    const response = await fetch(API + path, { cache: "no-store", ...options });
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = {};
    }
    if (!response.ok) {
      const error = new Error(data.message || "HTTP " + response.status);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function postJson(path, body) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  // ---- users -----------------------------------------------------------------------------

  async function loadUsers() {
    try {
      const data = await api("/users");
      state.users = data.users;
    } catch (err) {
      return;
    }
    renderUsers();
  }

  function renderUsers() {
    els.userList.replaceChildren();
    els.usersEmpty.hidden = state.users.length > 0;
    for (const user of state.users) {
      const item = el("li");
      const button = el("button", "user-item");
      button.type = "button";
      button.dataset.userId = user.userId;
      button.setAttribute("aria-current", String(user.userId === state.userId));
      const label = el("span", "user-label", user.displayName);
      label.append(el("span", "user-id", user.userId));
      button.append(el("span", "avatar", initial(user.displayName)), label);
      button.addEventListener("click", () => selectUser(user.userId, true));
      item.append(button);
      els.userList.append(item);
    }
  }

  function profileOf(userId) {
    return state.users.find((user) => user.userId === userId) || null;
  }

  async function createUser(name) {
    const clientId = newClientId();
    const data = await postJson("/users", { display_name: name, client_id: clientId });
    state.users.push(data.user);
    selectUser(data.user.userId, true);
    showOwnEntry(data.entry);
  }

  /** One click on a demo identity: the emulator registers a new user as it, then we switch to them. */
  async function registerDemo(button) {
    const buttons = els.demo.querySelectorAll("button[data-demo]");
    const label = button.querySelector(".demo-label").textContent;
    for (const each of buttons) each.disabled = true;
    showDemoStatus("กำลังลงทะเบียน " + label + "…", false);
    try {
      const data = await postJson("/demo", { identity: Number(button.dataset.demo) });
      state.users.push(data.user);
      selectUser(data.user.userId, true);
      if (data.error) {
        showDemoStatus("⚠ " + data.error, true);
        els.body.classList.add("show-users"); // phones: keep the panel, and the error, in view
      } else {
        showDemoStatus("ลงทะเบียน " + label + " แล้ว: " + data.user.displayName, false);
      }
    } catch (err) {
      showDemoStatus("⚠ " + err.message, true);
    } finally {
      for (const each of buttons) each.disabled = false;
    }
  }

  function showDemoStatus(text, isError) {
    els.demoStatus.textContent = text;
    els.demoStatus.classList.toggle("error", isError);
    els.demoStatus.hidden = false;
  }

  function setUrl(userId, push) {
    const url = new URL(window.location.href);
    if (userId) url.searchParams.set("user", userId);
    else url.searchParams.delete("user");
    if (url.href === window.location.href) return;
    if (push) window.history.pushState({ user: userId }, "", url);
    else window.history.replaceState({ user: userId }, "", url);
  }

  function selectUser(userId, push) {
    const profile = profileOf(userId);
    state.generation += 1;
    if (state.controller) state.controller.abort();
    state.controller = null;
    state.userId = profile ? userId : null;
    state.seq = 0;
    state.mine = 0;
    state.ownRows.clear();
    state.entryRows.clear();
    state.shownDeliveries.clear();
    closePicker();
    clearChips();
    showRichMenu(null);
    els.log.replaceChildren();
    els.body.classList.remove("show-users");
    setUrl(state.userId, push);
    renderUsers();
    setComposerEnabled(Boolean(profile));
    if (!profile) {
      els.chatName.textContent = "แชตกับบอท";
      els.chatSub.textContent = userId ? "ไม่พบผู้ใช้นี้ในระบบจำลอง — เลือกหรือสร้างใหม่" : "เลือกหรือสร้างผู้ใช้ LINE เพื่อเริ่มแชต";
      els.log.append(els.placeholder);
      document.title = "แชตกับบอท · LINE จำลอง";
      return;
    }
    els.chatName.textContent = profile.displayName;
    els.chatSub.textContent = "แชตกับบอท · " + profile.userId;
    document.title = profile.displayName + " · LINE จำลอง";
    poll(state.generation, userId);
  }

  function setComposerEnabled(enabled) {
    for (const control of els.composer.querySelectorAll("button, textarea")) control.disabled = !enabled;
    if (enabled && !window.matchMedia("(pointer: coarse)").matches) els.textInput.focus({ preventScroll: true });
  }

  // ---- long-polling ----------------------------------------------------------------------

  async function poll(generation, userId) {
    let wait = 0; // the first call answers at once with the conversation so far
    let failures = 0;
    while (generation === state.generation) {
      const controller = new AbortController();
      state.controller = controller;
      const query = new URLSearchParams({
        user: userId, seq: state.seq, mine: state.mine, wait, menu: state.richMenuId,
      });
      try {
        const data = await api("/messages?" + query, { signal: controller.signal });
        if (generation !== state.generation) return;
        showEntries(data.entries);
        showRichMenu(data.richMenu);
        state.seq = Math.max(state.seq, data.seq);
        state.mine = Math.max(state.mine, data.mine);
        wait = 1;
        failures = 0;
        els.conn.hidden = true;
      } catch (err) {
        if (generation !== state.generation) return;
        if (err.status === 400) {
          els.chatSub.textContent = "ผู้ใช้นี้ไม่มีในระบบจำลองแล้ว (emulator เริ่มใหม่?)";
          return;
        }
        els.conn.hidden = false;
        await sleep(POLL_BACKOFF_MS[Math.min(failures, POLL_BACKOFF_MS.length - 1)]);
        failures += 1;
      }
    }
  }

  function showEntries(entries) {
    for (const entry of entries) {
      if (entry.type === "user") showOwnEntry(entry);
      else if (entry.type === "bot") showDelivery(entry);
    }
  }

  // ---- the user's own entries --------------------------------------------------------------

  /** An entry from the server: the send's answer or the poll's copy, whichever comes first. */
  function showOwnEntry(entry) {
    if (!entry || (entry.user_id && entry.user_id !== state.userId)) return;
    let row = state.entryRows.get(entry.id) || (entry.client_id && state.ownRows.get(entry.client_id));
    if (!row) {
      row = userRow(entry.display);
      append(row, null);
    }
    state.entryRows.set(entry.id, row);
    settleRow(row, entry);
  }

  /** The row of something the user sent, before the server has answered. */
  function userRow(display) {
    if (display.type === "follow") {
      const row = el("div", "row center");
      const stack = el("div", "stack");
      stack.append(el("div", "system", "คุณเพิ่มบอทเป็นเพื่อนแล้ว (follow)"));
      row.append(stack);
      row.stack = stack;
      return row;
    }
    const row = el("div", "row user pending");
    const stack = el("div", "stack");
    stack.append(userBubble(display), el("div", "meta", "กำลังส่ง…"));
    row.append(stack);
    row.stack = stack;
    return row;
  }

  function userBubble(display) {
    switch (display.type) {
      case "text":
        return el("div", "msg text", display.text);
      case "postback": {
        const shown = display.text || "(postback: " + display.data + ")";
        const params = display.params ? Object.values(display.params).join(" ") : "";
        return el("div", "msg postback", params && !shown.includes(params) ? shown + "\n" + params : shown);
      }
      case "location":
        return locationBubble(display);
      case "sticker":
        return el("div", "msg sticker", "[sticker " + display.packageId + "/" + display.stickerId + "]");
      case "image": {
        const bubble = el("div", "msg media");
        const url = safeUrl(display.url);
        if (url) {
          const img = el("img");
          img.alt = "รูปภาพที่ส่ง";
          img.src = url;
          img.addEventListener("load", scrollToEnd);
          bubble.append(img);
        } else {
          bubble.textContent = "[รูปภาพ]";
        }
        return bubble;
      }
      default:
        return el("div", "msg", "[" + display.type + "]");
    }
  }

  function settleRow(row, entry) {
    const final = entry.status !== null || entry.error !== null;
    // A copy taken before the bot answered must not undo what the answer showed.
    if (row.settled && !final) return;
    row.settled = final;
    row.classList.remove("pending");
    const meta = row.stack.querySelector(".meta");
    if (meta) {
      meta.textContent = (entry.event === "postback" ? "postback · " : "") + clock(entry.time);
    }
    const old = row.stack.querySelector(".error-line");
    if (old) old.remove();
    if (entry.error) row.stack.append(el("div", "error-line", "⚠ " + entry.error));
  }

  function failRow(row, message) {
    row.classList.remove("pending");
    const meta = row.stack.querySelector(".meta");
    if (meta) meta.textContent = "ส่งไม่สำเร็จ";
    row.stack.append(el("div", "error-line", "⚠ " + message));
    scrollToEnd();
  }

  /** Show what the user did at once, then tell the emulator to send it to the bot. */
  async function send(payload, display) {
    if (!state.userId) return;
    const clientId = newClientId();
    const row = userRow(display);
    state.ownRows.set(clientId, row);
    append(row, null);
    try {
      const body = { ...payload, user_id: state.userId, client_id: clientId };
      let data;
      if (payload.file) {
        const form = new FormData();
        form.append("user_id", body.user_id);
        form.append("client_id", clientId);
        form.append("file", payload.file);
        data = await api("/image", { method: "POST", body: form });
      } else {
        data = await postJson("/send", body);
      }
      showOwnEntry(data.entry);
    } catch (err) {
      failRow(row, "ส่งไม่สำเร็จ: " + err.message);
    }
  }

  function sendText(text) {
    if (text.trim()) send({ type: "text", text }, { type: "text", text });
  }

  function sendPostback(data, params, displayText) {
    send(
      { type: "postback", data, params: params || null, display_text: displayText || null },
      { type: "postback", data, params: params || null, text: displayText || null },
    );
  }

  function sendLocation() {
    const loc = config.location;
    send({ type: "location", ...loc }, { type: "location", ...loc });
  }

  function sendSticker() {
    send({ type: "sticker", ...config.sticker }, { type: "sticker", ...config.sticker });
  }

  function sendImage(file) {
    if (!file) return;
    if (!file.type.startsWith("image/")) {
      window.alert("ส่งได้เฉพาะไฟล์รูปภาพ");
      return;
    }
    send({ file }, { type: "image", url: URL.createObjectURL(file) });
  }

  // ---- the bot's messages ----------------------------------------------------------------

  function showDelivery(delivery) {
    if (state.shownDeliveries.has(delivery.seq)) return;
    state.shownDeliveries.add(delivery.seq);
    for (const message of delivery.messages) {
      const row = el("div", "row bot");
      row.dataset.kind = delivery.kind;
      row.append(el("span", "avatar", "บอท"));
      const stack = el("div", "stack");
      if (message.sender && message.sender.name) stack.append(el("div", "sender", message.sender.name));
      let bubble;
      try {
        bubble = renderMessage(message);
      } catch (err) {
        bubble = jsonBubble(message);
      }
      const meta = el("div", "meta");
      meta.append(el("span", "kind kind-" + delivery.kind, delivery.kind), document.createTextNode(clock(delivery.time)));
      stack.append(bubble, meta);
      row.append(stack);
      append(row, message);
    }
  }

  function append(row, botMessage) {
    if (els.placeholder.parentNode) els.placeholder.remove();
    els.log.append(row);
    // Quick replies belong to the newest message only, as in LINE.
    const items = botMessage && botMessage.quickReply && botMessage.quickReply.items;
    if (Array.isArray(items) && items.length) showChips(items);
    else clearChips();
    scrollToEnd();
  }

  function renderMessage(message) {
    switch (message.type) {
      case "text":
        return el("div", "msg text", message.text);
      case "textV2":
        return el("div", "msg text", substitute(message.text || "", message.substitution || {}));
      case "sticker":
        return el("div", "msg sticker", "[sticker " + message.packageId + "/" + message.stickerId + "]");
      case "image":
        return imageBubble(message.previewImageUrl || message.originalContentUrl, message.originalContentUrl);
      case "video":
      case "audio":
        return linkBubble(message.type === "video" ? "[วิดีโอ]" : "[เสียง]", message.originalContentUrl);
      case "location":
        return locationBubble(message);
      case "template":
        return templateBubble(message);
      case "flex":
        return flexBubble(message);
      default:
        return message.altText ? el("div", "msg", message.altText) : jsonBubble(message);
    }
  }

  function substitute(text, substitution) {
    return text.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, key) => {
      const sub = substitution[key];
      if (!sub) return whole;
      if (sub.type === "mention") return "@" + (sub.mentionee && sub.mentionee.type === "all" ? "All" : "ผู้ใช้");
      if (sub.type === "emoji") return "😀";
      return whole;
    });
  }

  function jsonBubble(message) {
    let summary = JSON.stringify(message);
    if (summary.length > 400) summary = summary.slice(0, 400) + "…";
    return el("div", "msg json", summary);
  }

  function imageBubble(previewUrl, originalUrl) {
    const bubble = el("div", "msg media");
    const preview = safeUrl(previewUrl);
    if (!preview) {
      bubble.classList.remove("media");
      bubble.textContent = "[รูปภาพ]";
      return bubble;
    }
    const img = el("img");
    img.alt = "รูปภาพจากบอท";
    img.src = preview;
    img.addEventListener("load", scrollToEnd);
    const original = safeUrl(originalUrl);
    if (original) {
      const link = el("a");
      link.href = original;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.append(img);
      bubble.append(link);
    } else {
      bubble.append(img);
    }
    return bubble;
  }

  function linkBubble(label, url) {
    const bubble = el("div", "msg", label + " ");
    const safe = safeUrl(url);
    if (safe) {
      const link = el("a", null, "เปิด");
      link.href = safe;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      bubble.append(link);
    }
    return bubble;
  }

  function locationBubble(location) {
    const bubble = el("div", "msg location");
    bubble.append(el("div", "loc-title", location.title || "ตำแหน่งที่ตั้ง"));
    if (location.address) bubble.append(el("div", "loc-meta", location.address));
    bubble.append(el("div", "loc-meta", Number(location.latitude).toFixed(4) + ", " + Number(location.longitude).toFixed(4)));
    return bubble;
  }

  // ---- actions (quick replies, Flex and template buttons) ---------------------------------

  function actionLabel(action) {
    return (action && (action.label || action.text || action.displayText)) || (action && action.type) || "?";
  }

  function doAction(action) {
    if (!action || !state.userId) return;
    switch (action.type) {
      case "message":
        sendText(action.text || action.label || "");
        break;
      case "postback":
        sendPostback(action.data || "", null, action.displayText || action.text || action.label);
        break;
      case "datetimepicker":
        openPicker(action);
        break;
      case "location":
        sendLocation();
        break;
      case "camera":
      case "cameraRoll":
        pickImage(action.type === "camera");
        break;
      case "uri": {
        const url = safeUrl(action.uri, { allowOther: true });
        if (url) openLink(url);
        else note("เปิดลิงก์นี้ไม่ได้ในหน้าจำลอง: " + action.uri);
        break;
      }
      case "clipboard":
        if (navigator.clipboard) navigator.clipboard.writeText(action.clipboardText || "").catch(() => {});
        note("คัดลอกแล้ว: " + (action.clipboardText || ""));
        break;
      default:
        note("หน้าจำลองยังไม่รองรับ action แบบ " + action.type);
    }
  }

  /** Open a link as LINE does: a LIFF app's link opens the app with this chat's user logged in (the emulator
   * hands the app that user's ID token), any other web link as it is. The window opens at once, while the tap
   * still counts as the person's, and goes to the link when the emulator has answered. */
  async function openLink(url) {
    if (!/^https?:/.test(url)) {
      window.open(url, "_blank", "noopener");
      return;
    }
    const opened = window.open("", "_blank");
    if (!opened) {
      note("เบราว์เซอร์ไม่ยอมเปิดหน้าต่างใหม่: " + url);
      return;
    }
    opened.opener = null;
    try {
      const data = await postJson("/liff", { user_id: state.userId, url });
      opened.location.replace(data.url);
    } catch (err) {
      opened.close();
      note("เปิดลิงก์ไม่ได้: " + err.message);
    }
  }

  function note(text) {
    const row = el("div", "row center");
    row.append(el("div", "system", text));
    els.log.append(row);
    scrollToEnd();
  }

  function actionButton(action, className) {
    const button = el("button", className, actionLabel(action));
    button.type = "button";
    button.addEventListener("click", () => doAction(action));
    return button;
  }

  function makeTappable(node, action) {
    if (!action) return;
    node.classList.add("tappable");
    node.setAttribute("role", "button");
    node.tabIndex = 0;
    node.title = actionLabel(action);
    node.addEventListener("click", (event) => {
      event.stopPropagation();
      doAction(action);
    });
  }

  function showChips(items) {
    els.chips.replaceChildren();
    for (const item of items) {
      const action = item && item.action;
      if (!action) continue;
      const chip = el("button", "chip");
      chip.type = "button";
      const icon = safeUrl(item.imageUrl);
      if (icon) {
        const img = el("img");
        img.alt = "";
        img.src = icon;
        chip.append(img);
      }
      chip.append(document.createTextNode(actionLabel(action)));
      chip.addEventListener("click", () => tap(action));
      els.chips.append(chip);
    }
    els.chips.hidden = !els.chips.childElementCount;
  }

  /** A tap on a quick-reply button or a rich menu area: the quick replies go, as in LINE, except for
   * pickers, which keep them until something is actually sent (they may be cancelled). */
  function tap(action) {
    if (!["datetimepicker", "camera", "cameraRoll"].includes(action.type)) clearChips();
    doAction(action);
  }

  /** The user's rich menu under the chat, as LINE shows it: the image, each area a transparent button over
   * its part of the picture that does the area's action; the bar under it folds it away. Redrawn only when
   * the menu changes (registering links another one). */
  function showRichMenu(menu) {
    const id = (menu && menu.richMenuId) || "";
    if (id === state.richMenuId) return;
    state.richMenuId = id;
    for (const area of els.richMenuBoard.querySelectorAll(".richmenu-area")) area.remove();
    const image = menu && safeUrl(menu.image);
    els.richMenu.hidden = !image;
    if (!image) {
      els.richMenuImage.removeAttribute("src");
      return;
    }
    const { width, height } = menu.size;
    els.richMenuImage.src = image;
    els.richMenuImage.width = width;
    els.richMenuImage.height = height;
    els.richMenuBarText.textContent = menu.chatBarText || "เมนู";
    for (const area of menu.areas || []) {
      const bounds = area.bounds;
      const button = el("button", "richmenu-area");
      button.type = "button";
      button.setAttribute("aria-label", actionLabel(area.action));
      button.style.left = (100 * bounds.x) / width + "%";
      button.style.top = (100 * bounds.y) / height + "%";
      button.style.width = (100 * bounds.width) / width + "%";
      button.style.height = (100 * bounds.height) / height + "%";
      button.addEventListener("click", () => tap(area.action));
      els.richMenuBoard.append(button);
    }
    setRichMenuOpen(menu.selected !== false);
  }

  function setRichMenuOpen(open) {
    els.richMenu.classList.toggle("collapsed", !open);
    els.richMenuBar.setAttribute("aria-expanded", String(open));
    scrollToEnd();
  }

  function clearChips() {
    els.chips.replaceChildren();
    els.chips.hidden = true;
  }

  function openPicker(action) {
    const mode = PICKER_TYPES[action.mode] ? action.mode : "datetime";
    state.pickerAction = { action, mode };
    els.pickerInput.type = PICKER_TYPES[mode];
    els.pickerInput.value = action.initial || "";
    if (action.min) els.pickerInput.min = action.min;
    else els.pickerInput.removeAttribute("min");
    if (action.max) els.pickerInput.max = action.max;
    else els.pickerInput.removeAttribute("max");
    els.pickerLabel.textContent = actionLabel(action);
    els.picker.hidden = false;
    els.pickerInput.focus();
  }

  function closePicker() {
    state.pickerAction = null;
    els.picker.hidden = true;
  }

  function confirmPicker() {
    const picked = state.pickerAction;
    const value = els.pickerInput.value;
    if (!picked || !value) return;
    closePicker();
    sendPostback(picked.action.data || "", { [picked.mode]: value }, actionLabel(picked.action) + ": " + value);
  }

  function pickImage(fromCamera) {
    if (fromCamera) els.imageInput.setAttribute("capture", "environment");
    else els.imageInput.removeAttribute("capture");
    els.imageInput.click();
  }

  // ---- Flex messages -----------------------------------------------------------------------

  function flexBubble(message) {
    const container = message.contents || {};
    const wrapper = el("div", "msg card flex");
    wrapper.setAttribute("aria-label", message.altText || "Flex message");
    if (container.type === "carousel") {
      wrapper.classList.replace("card", "carousel");
      const track = el("div", "carousel-track");
      for (const bubble of container.contents || []) track.append(flexCard(bubble));
      wrapper.append(track);
    } else if (container.type === "bubble") {
      wrapper.append(flexCard(container));
    } else {
      return el("div", "msg", message.altText || "[flex]");
    }
    return wrapper;
  }

  function flexCard(bubble) {
    const card = el("div", "bubble size-" + (bubble.size || "mega"));
    if (bubble.direction === "rtl") card.dir = "rtl";
    const styles = bubble.styles || {};
    for (const part of ["header", "hero", "body", "footer"]) {
      const node = bubble[part];
      if (!node) continue;
      const block = el("div", "block " + part);
      const style = styles[part] || {};
      const background = safeColor(style.backgroundColor);
      if (background) block.style.backgroundColor = background;
      if (style.separator) block.classList.add("separated");
      const rendered = flexComponent(node, "vertical");
      if (rendered) block.append(rendered);
      card.append(block);
    }
    makeTappable(card, bubble.action);
    return card;
  }

  function flexComponent(node, parentLayout) {
    if (!node || typeof node !== "object") return null;
    let out;
    switch (node.type) {
      case "box":
        out = flexBox(node);
        break;
      case "text":
        out = flexText(node);
        break;
      case "separator": {
        out = el("hr", "fx-separator");
        const color = safeColor(node.color);
        if (color) out.style.borderColor = color;
        break;
      }
      case "image":
        out = flexImage(node);
        break;
      case "icon":
        out = el("img", "fx-icon");
        out.alt = "";
        if (safeUrl(node.url)) out.src = safeUrl(node.url);
        if (px(node.size, TEXT_SIZES)) out.style.width = out.style.height = px(node.size, TEXT_SIZES);
        break;
      case "button":
        out = flexButton(node);
        break;
      case "video":
        out = node.altContent ? flexComponent(node.altContent, parentLayout) : el("div", "fx-text", "[วิดีโอ]");
        break;
      default:
        return null; // spacer, filler and unknown components take no room here
    }
    if (!out) return null;
    const along = parentLayout === "vertical" ? "marginTop" : "marginInlineStart";
    const margin = px(node.margin, SPACINGS);
    if (margin) out.style[along] = margin;
    const grow = typeof node.flex === "number" ? node.flex : parentLayout === "vertical" ? 0 : 1;
    if (grow <= 0) out.style.flex = "0 0 auto";
    else out.style.flex = grow + " 1 " + (parentLayout === "vertical" ? "auto" : "0");
    if (["center", "end", "start"].includes(node.gravity) && parentLayout !== "vertical") {
      out.style.alignSelf = { center: "center", end: "flex-end", start: "flex-start" }[node.gravity];
    }
    if (["center", "end", "start"].includes(node.align) && node.type !== "text") {
      out.style.alignSelf = { center: "center", end: "flex-end", start: "flex-start" }[node.align];
    }
    if (node.position === "absolute") out.style.position = "relative"; // keep it in the flow, readable
    return out;
  }

  function flexBox(node) {
    const layout = ["horizontal", "baseline"].includes(node.layout) ? node.layout : "vertical";
    const box = el("div", "fx-box " + layout);
    box.style.gap = px(node.spacing, SPACINGS) || "0px";
    const background = safeColor(node.backgroundColor);
    if (background) box.style.backgroundColor = background;
    const border = safeColor(node.borderColor);
    if (border) box.style.border = "1px solid " + border;
    const radius = px(node.cornerRadius, SPACINGS);
    if (radius) box.style.borderRadius = radius;
    for (const [prop, css] of [
      ["paddingAll", "padding"], ["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"],
      ["paddingStart", "paddingInlineStart"], ["paddingEnd", "paddingInlineEnd"],
      ["width", "width"], ["height", "height"],
    ]) {
      const value = px(node[prop], SPACINGS);
      if (value) box.style[css] = value;
    }
    const justify = { "flex-start": "flex-start", "flex-end": "flex-end", center: "center",
      "space-between": "space-between", "space-around": "space-around", "space-evenly": "space-evenly" };
    if (justify[node.justifyContent]) box.style.justifyContent = justify[node.justifyContent];
    if (["flex-start", "flex-end", "center"].includes(node.alignItems) && layout !== "baseline") {
      box.style.alignItems = node.alignItems;
    }
    for (const child of node.contents || []) {
      const rendered = flexComponent(child, layout);
      if (rendered) box.append(rendered);
    }
    makeTappable(box, node.action);
    return box;
  }

  function applyTextStyle(node, target) {
    const size = px(node.size, TEXT_SIZES);
    if (size) target.style.fontSize = size;
    if (node.weight === "bold") target.style.fontWeight = "700";
    if (node.style === "italic") target.style.fontStyle = "italic";
    if (["underline", "line-through"].includes(node.decoration)) target.style.textDecoration = node.decoration;
    const color = safeColor(node.color);
    if (color) target.style.color = color;
  }

  function flexText(node) {
    const text = el("div", "fx-text");
    if (Array.isArray(node.contents) && node.contents.length) {
      for (const span of node.contents) {
        if (!span || span.type !== "span") continue;
        const part = el("span", null, span.text || "");
        applyTextStyle(span, part);
        text.append(part);
      }
    } else {
      text.textContent = node.text || "";
    }
    applyTextStyle(node, text);
    if (["start", "end", "center"].includes(node.align)) text.style.textAlign = node.align;
    if (!node.wrap) {
      // LINE cuts unwrapped text at one line; keep the whole of it in the tooltip.
      text.classList.add("nowrap");
      text.title = text.textContent;
    } else if (typeof node.maxLines === "number" && node.maxLines > 0) {
      text.style.display = "-webkit-box";
      text.style.webkitBoxOrient = "vertical";
      text.style.webkitLineClamp = String(node.maxLines);
      text.style.overflow = "hidden";
    }
    if (typeof node.lineSpacing === "string" && px(node.lineSpacing)) {
      text.style.lineHeight = "calc(1.5em + " + px(node.lineSpacing) + ")";
    }
    makeTappable(text, node.action);
    return text;
  }

  function flexImage(node) {
    const url = safeUrl(node.url);
    const img = el("img", "fx-image");
    img.alt = node.altText || "";
    if (url) img.src = url;
    const width = node.size === "full" ? "100%" : px(node.size || "md", IMAGE_SIZES);
    img.style.width = width || "100%";
    img.style.maxWidth = "100%";
    if (typeof node.aspectRatio === "string" && /^\d+(\.\d+)?:\d+(\.\d+)?$/.test(node.aspectRatio)) {
      img.style.aspectRatio = node.aspectRatio.replace(":", " / ");
    } else {
      img.style.aspectRatio = "1 / 1";
    }
    img.style.objectFit = node.aspectMode === "cover" ? "cover" : "contain";
    const background = safeColor(node.backgroundColor);
    if (background) img.style.backgroundColor = background;
    if (!node.align && node.size !== "full") img.style.alignSelf = "center";
    makeTappable(img, node.action);
    return img;
  }

  function flexButton(node) {
    const style = ["primary", "secondary"].includes(node.style) ? node.style : "link";
    const button = actionButton(node.action || {}, "fx-button " + style);
    const color = safeColor(node.color);
    if (color) {
      if (style === "link") button.style.color = color;
      else button.style.backgroundColor = color;
    }
    if (node.height === "sm") button.style.minHeight = "32px";
    if (!node.action) button.disabled = true;
    return button;
  }

  // ---- template messages -------------------------------------------------------------------

  function templateBubble(message) {
    const template = message.template || {};
    const wrapper = el("div", "msg card template");
    wrapper.setAttribute("aria-label", message.altText || "Template message");
    switch (template.type) {
      case "buttons":
        wrapper.append(templateCard(template, template.actions));
        break;
      case "confirm": {
        const card = el("div", "bubble");
        const body = el("div", "block");
        body.append(el("div", "tpl-text", template.text || ""));
        const actions = el("div", "tpl-actions confirm");
        for (const action of template.actions || []) actions.append(actionButton(action, "tpl-button"));
        card.append(body, actions);
        wrapper.append(card);
        break;
      }
      case "carousel": {
        wrapper.classList.replace("card", "carousel");
        const track = el("div", "carousel-track");
        for (const column of template.columns || []) track.append(templateCard(column, column.actions));
        wrapper.append(track);
        break;
      }
      case "image_carousel": {
        wrapper.classList.replace("card", "carousel");
        const track = el("div", "carousel-track");
        for (const column of template.columns || []) {
          const card = el("div", "bubble size-kilo");
          const img = flexImage({ url: column.imageUrl, size: "full", aspectRatio: "1:1", aspectMode: "cover" });
          makeTappable(img, column.action);
          const actions = el("div", "tpl-actions");
          if (column.action) actions.append(actionButton(column.action, "tpl-button"));
          card.append(img, actions);
          track.append(card);
        }
        wrapper.append(track);
        break;
      }
      default:
        return el("div", "msg", message.altText || "[template]");
    }
    return wrapper;
  }

  function templateCard(column, actions) {
    const card = el("div", "bubble");
    const thumbnail = safeUrl(column.thumbnailImageUrl);
    if (thumbnail) {
      const ratio = column.imageAspectRatio === "square" ? "1:1" : "1.51:1";
      card.append(flexImage({ url: thumbnail, size: "full", aspectRatio: ratio,
        aspectMode: column.imageSize === "contain" ? "fit" : "cover" }));
    }
    const body = el("div", "block");
    if (column.title) body.append(el("div", "tpl-title", column.title));
    body.append(el("div", "tpl-text", column.text || ""));
    card.append(body);
    const list = el("div", "tpl-actions");
    for (const action of actions || []) list.append(actionButton(action, "tpl-button"));
    card.append(list);
    makeTappable(card, column.defaultAction);
    return card;
  }

  // ---- wiring ----------------------------------------------------------------------------

  els.newUserForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = els.newUserName.value.trim();
    if (!name) return;
    const submit = els.newUserForm.querySelector("button");
    submit.disabled = true;
    try {
      await createUser(name);
      els.newUserName.value = "";
    } catch (err) {
      window.alert("สร้างผู้ใช้ไม่สำเร็จ: " + err.message);
    } finally {
      submit.disabled = false;
    }
  });

  if (els.demo) {
    for (const button of els.demo.querySelectorAll("button[data-demo]")) {
      button.addEventListener("click", () => registerDemo(button));
    }
  }

  els.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = els.textInput.value;
    if (!text.trim()) return;
    els.textInput.value = "";
    autoGrow();
    sendText(text);
  });

  els.textInput.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line; never while an input method (Thai IME) composes.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      els.composer.requestSubmit();
    }
  });

  function autoGrow() {
    els.textInput.style.height = "auto";
    els.textInput.style.height = Math.min(els.textInput.scrollHeight + 2, 140) + "px";
  }
  els.textInput.addEventListener("input", autoGrow);

  els.imageButton.addEventListener("click", () => pickImage(false));
  els.imageInput.addEventListener("change", () => {
    const file = els.imageInput.files && els.imageInput.files[0];
    els.imageInput.value = "";
    sendImage(file);
  });
  els.locationButton.addEventListener("click", sendLocation);
  els.stickerButton.addEventListener("click", sendSticker);
  els.richMenuBar.addEventListener("click", () => setRichMenuOpen(els.richMenu.classList.contains("collapsed")));
  els.pickerOk.addEventListener("click", confirmPicker);
  els.pickerCancel.addEventListener("click", closePicker);
  els.pickerInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") confirmPicker();
  });

  els.usersOpen.addEventListener("click", () => {
    els.body.classList.add("show-users");
    loadUsers();
  });
  els.usersClose.addEventListener("click", () => els.body.classList.remove("show-users"));
  window.addEventListener("focus", loadUsers);
  window.addEventListener("popstate", () => {
    selectUser(new URL(window.location.href).searchParams.get("user"), false);
  });

  async function start() {
    await loadUsers();
    const wanted = new URL(window.location.href).searchParams.get("user");
    selectUser(wanted, false);
    if (!state.userId) els.body.classList.add("show-users");
  }

  start();
})();
