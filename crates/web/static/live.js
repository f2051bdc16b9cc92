// egov page enhancements. Pages work without them.
// The navigation folds into a menu button on narrow screens (without the script it stays open).
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (!button || !nav) { return; }
  document.documentElement.classList.add("js-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  });
})();
// Long lists of people and units get a filter box (accents optional: "nguyen" finds "Nguyễn").
(function () {
  "use strict";
  function fold(t) {
    return t.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  var lists = document.querySelectorAll("fieldset.checklist");
  Array.prototype.forEach.call(lists, function (set) {
    var box = set.querySelector(".checklist-filter");
    var items = set.querySelectorAll(".checklist-items label");
    if (!box || items.length <= 8) { return; }
    box.hidden = false;
    box.addEventListener("input", function () {
      var q = fold(box.value.trim());
      Array.prototype.forEach.call(items, function (label) {
        var input = label.querySelector("input");
        label.hidden = q !== "" && fold(label.textContent).indexOf(q) < 0 && !(input && input.checked);
      });
    });
  });
})();
// egov live updates: listens to /events and updates the header counts and a notice area
// without reloading; offers Web Push on the notification centre. Pages work without it.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var unread = document.getElementById("count-unread");
  var inbox = document.getElementById("count-inbox");
  var live = document.getElementById("live");
  function setCount(el, n) {
    if (!el) { return; }
    el.textContent = String(n);
    var label = el.getAttribute("aria-label") || "";
    el.setAttribute("aria-label", String(n) + label.replace(/^[0-9]+/, ""));
    el.hidden = n <= 0;
  }
  function count(el) { return el ? parseInt(el.textContent, 10) || 0 : 0; }
  function show(n) {
    if (!live) { return; }
    var p = document.createElement("p");
    p.className = "live-item" + (n.urgent ? " urgent" : "");
    var a = document.createElement("a");
    a.href = "/notifications";
    a.textContent = (live.getAttribute("data-title") || "") + ": " + n.label + (n.text ? " — " + n.text : "");
    p.appendChild(a);
    live.insertBefore(p, live.firstChild);
    while (live.childNodes.length > 3) { live.removeChild(live.lastChild); }
  }
  var source = new EventSource("/events");
  source.addEventListener("counts", function (e) {
    var c = JSON.parse(e.data);
    setCount(unread, c.unread);
    setCount(inbox, c.inbox);
  });
  source.addEventListener("notification", function (e) {
    var n = JSON.parse(e.data);
    setCount(unread, count(unread) + 1);
    if (n.kind !== "inform" && n.kind !== "finished" && n.kind !== "consult_answered") {
      setCount(inbox, count(inbox) + 1);
    }
    show(n);
  });

  // Web Push: the button on the notification centre subscribes this browser.
  var button = document.getElementById("push-enable");
  var state = document.getElementById("push-state");
  var csrf = document.querySelector("input[name=csrf]");
  if (!button || !("serviceWorker" in navigator) || !window.PushManager || !csrf) { return; }
  function key(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    fetch("/api/v1/push/key", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (k) {
        return navigator.serviceWorker.register("/sw.js").then(function (reg) {
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(k.public_key) });
        });
      })
      .then(function (sub) {
        return fetch("/api/v1/me/push-subscriptions", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.value },
          body: JSON.stringify(sub.toJSON())
        });
      })
      .then(function (r) { if (state) { state.textContent = r.ok ? "✓" : String(r.status); } })
      .catch(function (err) { if (state) { state.textContent = String(err); } });
  });
})();
