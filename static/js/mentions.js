// @mention autocomplete for comment boxes: progressive enhancement only. Without this file "@Display Name" typed
// by hand is found all the same when the comment is saved.
(function () {
  "use strict";

  var MAX_NAME = 60;
  // The "@Na" being typed just before the caret: after a space or at the start, no line break in it.
  var TYPING = /(^|[^\w@])@([^\s@][^@\n]*)$/;
  var uid = 0;

  function attach(form) {
    var box = form.querySelector("textarea[name=body]");
    if (!box) return;
    var url = form.getAttribute("data-mentions");
    var list = document.createElement("ul");
    list.className = "mention-suggestions";
    list.id = "mention-list-" + (++uid);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Members to mention");
    list.hidden = true;
    box.parentNode.insertBefore(list, box.nextSibling);
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    var timer = null, asked = "", active = -1, start = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      box.removeAttribute("aria-activedescendant");
    }

    function highlight(n) {
      var items = list.children;
      if (!items.length) return;
      active = (n + items.length) % items.length;
      for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === active ? "true" : "false");
      box.setAttribute("aria-activedescendant", items[active].id);
    }

    function choose(name) {
      var caret = box.selectionStart;
      var before = box.value.slice(0, start), after = box.value.slice(caret);
      var inserted = "@" + name + " ";
      box.value = before + inserted + after;
      var at = before.length + inserted.length;
      box.setSelectionRange(at, at);
      box.focus();
      close();
    }

    function show(members) {
      list.textContent = "";
      members.forEach(function (m, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = m.name;
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(m.name); });
        list.appendChild(li);
      });
      list.hidden = members.length === 0;
      if (members.length) highlight(0);
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      var typed = TYPING.exec(box.value.slice(0, box.selectionStart));
      if (!typed || typed[2].length < 2 || typed[2].length > MAX_NAME) { close(); return; }
      var q = typed[2];
      start = box.selectionStart - q.length - 1;
      timer = setTimeout(function () {
        asked = q;
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) { if (asked === q) show(data.items || []); })
          .catch(close);
      }, 200);
    });

    box.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(active + 1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
      else if ((ev.key === "Enter" || ev.key === "Tab") && active >= 0) {
        ev.preventDefault();
        choose(list.children[active].textContent);
      } else if (ev.key === "Escape") { close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-mentions]").forEach(attach);
  });
})();
