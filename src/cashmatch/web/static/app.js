/* cashmatch review workspace: keyboard, the running remainder, ticked items kept across
   searches. The pages work without it; it only makes them quicker to use. */
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  /* -- keyboard ----------------------------------------------------------------------- */
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(ev.target)) return;
    if (ev.key === "/") {
      var search = document.querySelector('[data-key="/"]');
      if (search) { ev.preventDefault(); search.focus(); search.select(); }
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll("a.rowlink"));
    if (rows.length && (ev.key === "j" || ev.key === "k")) {
      /* the queue: move along its lines; Enter opens one */
      var at = rows.indexOf(document.activeElement);
      var next = at === -1 ? 0 : (ev.key === "j" ? Math.min(at + 1, rows.length - 1)
                                                  : Math.max(at - 1, 0));
      ev.preventDefault();
      rows[next].focus();
      return;
    }
    var target = document.querySelector('[data-key="' + ev.key + '"]');
    if (!target) return;
    ev.preventDefault();
    if (target.tagName === "A") { window.location.href = target.href; }
    else { target.click(); }
  });

  /* -- exact amounts as integers of 10^-4 ----------------------------------------------- */
  var SCALE = 4;

  function toUnits(text) {
    var clean = String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace("\u2212", "-");
    if (clean.indexOf(".") === -1) clean = clean.replace(",", ".");
    var m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(clean);
    if (!m || (m[2] === "" && !m[3])) return null;
    var frac = ((m[3] || "") + "0000").slice(0, SCALE);
    var units = parseInt((m[2] || "0") + frac, 10);
    return m[1] === "-" ? -units : units;
  }

  function show(units, decimals, lang, currency) {
    var neg = units < 0, abs = Math.abs(units);
    var whole = String(Math.floor(abs / 10000));
    var frac = String(abs % 10000 + 10000).slice(1, 1 + decimals);
    var group = lang === "fr" ? "\u202f" : ",";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
    var text = whole + (decimals ? (lang === "fr" ? "," : ".") + frac : "");
    return (neg ? "\u2212" : "") + text + "\u00a0" + currency;
  }

  function typed(units, decimals, lang) {
    var neg = units < 0, abs = Math.abs(units);
    var text = String(Math.floor(abs / 10000));
    if (decimals) text += (lang === "fr" ? "," : ".") + String(abs % 10000 + 10000).slice(1, 1 + decimals);
    return (neg ? "-" : "") + text;
  }

  /* -- the running remainder ------------------------------------------------------------ */
  var desk = document.querySelector(".desk");
  if (desk) {
    var lang = desk.dataset.lang, currency = desk.dataset.currency;
    var amountText = desk.dataset.amount;
    var decimals = (amountText.split(".")[1] || "").length;
    var total = toUnits(amountText);
    var out = document.getElementById("remainder");
    var pick = document.getElementById("pick");

    var ticked = function () {
      return Array.prototype.slice.call(pick.querySelectorAll('input[name="item"]:checked'));
    };
    var amountOf = function (box) {
      return box.closest("tr").querySelector('input[name^="amount_"]');
    };
    var update = function () {
      var used = 0;
      ticked().forEach(function (box) { used += toUnits(amountOf(box).value) || 0; });
      out.textContent = show(total - used, decimals, lang, currency);
      out.classList.toggle("bad", (total >= 0 && total - used < 0) || (total < 0 && total - used > 0));
    };
    if (pick && out) {
      pick.addEventListener("change", function (ev) {
        var box = ev.target;
        if (box.name === "item" && box.checked) {
          var input = amountOf(box);
          var open = toUnits(input.dataset.open);
          var others = 0;
          ticked().forEach(function (b) { if (b !== box) others += toUnits(amountOf(b).value) || 0; });
          var left = total - others;
          if (open > 0 && left > 0 && open > left) input.value = typed(left, decimals, lang);
          if (open < 0 && left < 0 && open < left) input.value = typed(left, decimals, lang);
        }
        update();
      });
      pick.addEventListener("input", update);
      update();
    }

    /* ticked items stay ticked when another search replaces the list */
    document.body.addEventListener("htmx:beforeSwap", function (ev) {
      if (!ev.detail.target || ev.detail.target.id !== "offered") return;
      var keep = document.getElementById("picked");
      ticked().forEach(function (box) {
        var row = box.closest("tr");
        if (row.parentNode !== keep) keep.appendChild(row);
      });
    });
    document.body.addEventListener("htmx:afterSwap", function (ev) {
      if (!ev.detail.target || ev.detail.target.id !== "offered") return;
      var kept = {};
      ticked().forEach(function (box) { kept[box.value] = true; });
      Array.prototype.slice.call(ev.detail.target.querySelectorAll('input[name="item"]')).forEach(function (box) {
        if (kept[box.value]) box.closest("tr").remove();
      });
      update();
    });
  }
})();
