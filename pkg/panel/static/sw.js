// pfsnotify's service worker, served from the root (/sw.js) so that its
// scope is the whole panel. It shows the reminders invoke pushes, opens
// the meeting (or the panel) when one is clicked and acknowledges it, and
// subscribes again when the push service replaces the subscription.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// Only http(s) links are opened; anything else opens the panel.
function safeURL(u) {
  try {
    const url = new URL(u, self.location.origin);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch (e) {}
  return self.location.origin + "/";
}

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (e) {
      data = { title: "pfsnotify", body: event.data.text() };
    }
  }
  const title = data.title || "pfsnotify";
  const options = {
    body: data.body || "",
    icon: "/static/icon.png",
    badge: "/static/icon.png",
    requireInteraction: !!data.require_interaction,
    data: { url: data.url || "/", ack_url: data.ack_url || "", delivery_id: data.delivery_id || 0 },
  };
  if (data.tag) {
    options.tag = data.tag;
    options.renotify = true;
  }
  // Pages that are open hear of it (the panel shows it live, and tests see it).
  const tell = (msg) =>
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const c of clients) c.postMessage(Object.assign({ type: "push", title: title, delivery_id: data.delivery_id || 0 }, msg));
    });
  event.waitUntil(
    self.registration.showNotification(title, options).then(
      () => tell({ shown: true }),
      (err) => tell({ shown: false, error: String(err) }).then(() => Promise.reject(err))
    )
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const d = event.notification.data || {};
  const ack = d.ack_url
    ? fetch(d.ack_url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } }).catch(() => {})
    : Promise.resolve();
  event.waitUntil(Promise.all([ack, self.clients.openWindow(safeURL(d.url))]));
});

function keyBytes(b64) {
  const pad = "=".repeat((4 - (b64.length % 4)) % 4);
  const raw = atob((b64 + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription;
      let sub = event.newSubscription;
      if (!sub) {
        let key = old && old.options && old.options.applicationServerKey;
        if (!key) {
          const res = await fetch("/api/v1/push/key");
          key = keyBytes((await res.json()).public_key);
        }
        sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }
      await fetch("/api/v1/push/subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ subscription: sub.toJSON(), old_endpoint: old ? old.endpoint : "" }),
      });
    })()
  );
});
