// egov service worker: shows Web Push notifications and opens what they are about.
self.addEventListener("push", function (event) {
  var n = {};
  try { n = event.data ? event.data.json() : {}; } catch (e) { n = { title: "egov", body: "" }; }
  event.waitUntil(self.registration.showNotification(n.title || "egov", {
    body: n.body || "", data: { url: n.url || "/notifications" }, tag: "egov-" + (n.id || "")
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications";
  event.waitUntil(self.clients.openWindow(url));
});
