// Home visits without a network (a tablet in a village): the visit form keeps each visit
// on the device with a key made here, sends it when the connection returns, and shows the
// ones still waiting. The server records a key once (Idempotency-Key), so a visit whose
// answer was lost on the way back is not recorded twice when it is sent again.
(function () {
  "use strict";
  var STORE = "ledger.visits.waiting";
  var me = document.currentScript;
  var csrf = me.dataset.csrf;
  var form = document.getElementById("visit-form");
  var panel = document.getElementById("offline");
  var list = document.getElementById("waiting");
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(STORE, JSON.stringify(items)); }
  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "v-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }
  function draw() {
    var items = load();
    panel.hidden = items.length === 0;
    list.innerHTML = "";
    items.forEach(function (v) {
      var li = document.createElement("li");
      li.className = "waiting-visit";
      li.dataset.key = v.key;
      li.textContent = v.visited_on + " · " + v.visitor + " · " + v.findings + " — " +
        (v.refused ? me.dataset.refused + ": " + v.refused : me.dataset.kept);
      list.appendChild(li);
    });
  }
  function send(v) {
    return fetch("/ui/sync/visits", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": v.key },
      body: JSON.stringify({ household_id: v.household_id, visited_on: v.visited_on,
        visitor: v.visitor, findings: v.findings, needs: v.needs })
    }).then(function (r) {
      if (r.ok) return "sent";
      return r.json().then(function (b) { return { refused: b.error || String(r.status) }; },
        function () { return { refused: String(r.status) }; });
    });
  }
  var busy = false;
  function flush() {
    if (busy || !navigator.onLine) return Promise.resolve();
    busy = true;
    var items = load().filter(function (v) { return !v.refused; });
    var chain = Promise.resolve();
    items.forEach(function (v) {
      chain = chain.then(function () {
        return send(v).then(function (outcome) {
          var now = load();
          if (outcome === "sent") {
            save(now.filter(function (w) { return w.key !== v.key; }));
          } else {
            now.forEach(function (w) { if (w.key === v.key) w.refused = outcome.refused; });
            save(now);
          }
        }, function () { /* still offline: keep it */ });
      });
    });
    return chain.then(function () { busy = false; draw(); }, function () { busy = false; draw(); });
  }
  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return; // online: the form posts as usual
    event.preventDefault();
    var data = new FormData(form);
    var items = load();
    items.push({ key: key(), household_id: form.dataset.household,
      visited_on: data.get("visited_on"), visitor: data.get("visitor"),
      findings: data.get("findings"), needs: data.get("needs") || null });
    save(items);
    draw();
  });
  window.addEventListener("online", flush);
  window.ledgerVisits = { flush: flush, waiting: load };
  draw();
  flush();
})();
