// pfsnotify panel: the little JavaScript the pages use. No build step, no
// inline script (the Content-Security-Policy forbids it), no innerHTML.
"use strict";

(function () {
  const signedIn = document.body.dataset.signedIn === "1";
  const pushSection = document.getElementById("push");
  const live = document.getElementById("live");
  // The page gives the script its sentences in the person's language
  // (<body data-words>); the English here is the fallback.
  const words = (() => {
    try {
      return JSON.parse(document.body.dataset.words || "{}");
    } catch (e) {
      return {};
    }
  })();
  function w(key, english) {
    return words[key] || english;
  }

  function say(text) {
    if (!live) return;
    live.textContent = text;
    live.hidden = false;
  }

  // base64url (the VAPID key) to the bytes pushManager.subscribe wants.
  function keyBytes(b64) {
    const pad = "=".repeat((4 - (b64.length % 4)) % 4);
    const raw = atob((b64 + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  // sendSubscription gives the server this browser's subscription (the
  // JSON of a PushSubscription). The page sends it on every visit, so that
  // the server knows it is alive.
  async function sendSubscription(sub, oldEndpoint) {
    const res = await fetch("/api/v1/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subscription: sub, old_endpoint: oldEndpoint || "" }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const fields = body.fields ? Object.values(body.fields).join("; ") : "";
      throw new Error(fields || body.error || "the server refused the subscription (" + res.status + ")");
    }
    return body;
  }

  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function setStatus(text) {
    const el = document.getElementById("push-status");
    if (el) el.textContent = text;
  }

  function markThisBrowser(endpoint) {
    document.querySelectorAll("#devices li[data-endpoint]").forEach((li) => {
      const mark = li.querySelector(".this-browser");
      if (mark) mark.hidden = li.dataset.endpoint !== endpoint;
    });
  }

  async function enablePush(key) {
    setStatus(w("asking", "Asking for permission…"));
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      setStatus(w("blocked", "Notifications are blocked for this site: allow them in the browser's site settings, then try again."));
      return;
    }
    setStatus(w("subscribing", "Subscribing this browser…"));
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    let sub;
    try {
      // A browser whose push service cannot be reached may never answer.
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error("the browser's push service did not answer")), 30000));
      sub = await Promise.race([
        reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }),
        timeout,
      ]);
    } catch (err) {
      setStatus(w("couldNotSubscribe", "This browser could not subscribe:") + " " + err.message);
      return;
    }
    await sendSubscription(sub.toJSON());
    setStatus(w("on", "Notifications are on for this browser."));
    window.location.assign("/browser?done=subscribed");
  }

  // On every page: register the service worker when notifications are
  // allowed, and re-send this browser's subscription.
  async function refresh() {
    if (!signedIn || !pushSupported()) return null;
    if (Notification.permission !== "granted") return null;
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const sub = await reg.pushManager.getSubscription();
    if (sub) {
      await sendSubscription(sub.toJSON()).catch(() => {});
    }
    return sub;
  }

  async function setUpBrowserPage() {
    const key = pushSection.dataset.vapidKey;
    const button = document.getElementById("enable-push");
    if (!key) return;
    if (!pushSupported()) {
      setStatus(w("cannot", "This browser cannot show push notifications."));
      return;
    }
    const sub = await refresh().catch(() => null);
    if (sub) {
      setStatus(w("on", "Notifications are on for this browser."));
      markThisBrowser(sub.endpoint);
    } else if (Notification.permission === "denied") {
      setStatus(w("blockedNow", "Notifications are blocked for this site: allow them in the browser's site settings."));
    } else {
      setStatus(w("off", "Notifications are off for this browser."));
      button.hidden = false;
    }
    button.addEventListener("click", () => {
      button.disabled = true;
      enablePush(key).catch((err) => setStatus(w("couldNotTurnOn", "Could not turn notifications on:") + " " + err.message)).finally(() => {
        button.disabled = false;
      });
    });
  }

  // The rules page: show which upcoming events a pattern matches, as it is typed.
  function setUpPreview() {
    const pattern = document.getElementById("pattern");
    const ignoreCase = document.getElementById("ignore_case");
    const calendar = document.getElementById("calendar");
    const section = document.getElementById("preview");
    const errorEl = document.getElementById("pattern-error");
    let timer = 0;
    let seq = 0;
    async function update() {
      const mine = ++seq;
      const q = new URLSearchParams({ pattern: pattern.value, calendar: calendar.value });
      if (ignoreCase.checked) q.set("ignore_case", "1");
      if (pattern.value.trim() === "") {
        section.replaceChildren();
        errorEl.hidden = true;
        pattern.removeAttribute("aria-invalid");
        return;
      }
      const res = await fetch("/api/v1/rules/preview?" + q, { credentials: "same-origin" });
      const body = await res.json().catch(() => ({}));
      if (mine !== seq) return;
      if (!res.ok) {
        errorEl.textContent = (body.fields && body.fields.pattern) || body.error || w("cannotPreview", "cannot preview");
        errorEl.hidden = false;
        pattern.setAttribute("aria-invalid", "true");
        section.replaceChildren();
        return;
      }
      errorEl.hidden = true;
      pattern.removeAttribute("aria-invalid");
      const h = document.createElement("h2");
      h.textContent = w("matching", "Upcoming events matching") + " " + body.pattern;
      const ul = document.createElement("ul");
      ul.className = "preview-list";
      for (const ev of body.events) {
        const li = document.createElement("li");
        const when = document.createElement("span");
        when.className = "when";
        when.textContent = ev.start_local + " ";
        const cal = document.createElement("span");
        cal.className = "muted";
        cal.textContent = " " + ev.calendar;
        li.append(when, ev.title, cal);
        ul.append(li);
      }
      if (body.events.length === 0) {
        const li = document.createElement("li");
        li.className = "muted";
        li.textContent = w("noMatch", "No upcoming event matches.");
        ul.append(li);
      }
      const parts = [h, ul];
      if (body.more) {
        const p = document.createElement("p");
        p.className = "muted";
        p.textContent = w("andMore", "…and more.");
        parts.push(p);
      }
      section.replaceChildren(...parts);
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(() => update().catch(() => {}), 250);
    }
    pattern.addEventListener("input", soon);
    ignoreCase.addEventListener("change", soon);
    calendar.addEventListener("change", soon);
  }

  if (pushSupported()) {
    navigator.serviceWorker.addEventListener("message", (ev) => {
      if (ev.data && ev.data.type === "push") {
        document.body.dataset.lastPush = ev.data.title || "";
        document.body.dataset.lastPushShown = ev.data.shown ? "yes" : "no: " + (ev.data.error || "");
        say(w("received", "Notification received:") + " " + (ev.data.title || ""));
      }
    });
    navigator.serviceWorker.startMessages();
  }

  // The live inbox: the unread badge (every page) and the inbox page follow
  // the person's inbox as notifications arrive and are read on any device,
  // through the server's stream of events. Without it the pages work as
  // they are, on reload.
  function setBadge(unread, label) {
    const nav = document.getElementById("nav-inbox");
    if (!nav) return;
    let badge = document.getElementById("unread-count");
    if (unread <= 0) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.id = "unread-count";
      nav.append(" ", badge);
    }
    badge.textContent = String(unread);
    badge.setAttribute("aria-label", label || String(unread));
  }

  // refreshInbox reloads the inbox's list from the server (the same page,
  // rendered there in the person's language), when the newest page is shown.
  let refreshing = null;
  async function refreshInbox() {
    const section = document.getElementById("inbox-live");
    if (!section || new URLSearchParams(window.location.search).has("before")) return;
    const res = await fetch("/inbox", { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!res.ok) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = doc.getElementById("inbox-live");
    if (fresh) section.replaceWith(document.importNode(fresh, true));
  }

  function setUpLiveInbox() {
    if (!signedIn || !("EventSource" in window)) return;
    const shown = document.getElementById("unread-count");
    let last = { count: -1, unread: shown ? Number(shown.textContent) : 0 };
    const events = new EventSource("/events/inbox");
    events.addEventListener("inbox", (ev) => {
      let now;
      try {
        now = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      setBadge(now.unread, now.label);
      document.body.dataset.inboxUnread = String(now.unread);
      const arrived = last.count >= 0 && now.count > last.count;
      const changed = now.count !== last.count && last.count >= 0 || now.unread !== last.unread;
      last = now;
      if (arrived) say(w("arrived", "A new notification arrived."));
      if (changed) {
        refreshing = (refreshing || Promise.resolve()).then(refreshInbox).catch(() => {});
      }
    });
    window.addEventListener("pagehide", () => events.close());
  }

  window.pfsnotify = { sendSubscription, refresh };
  setUpLiveInbox();

  if (pushSection) {
    setUpBrowserPage().catch((err) => setStatus(w("couldNotCheck", "Could not check notifications:") + " " + err.message));
  } else {
    refresh().catch(() => {});
  }
  if (document.getElementById("rule-form")) setUpPreview();
})();
