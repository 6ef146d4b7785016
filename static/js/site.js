// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Similar-ideas hint while a title is typed (GET /api/v1/ideas/similar).
  function similarHint(box) {
    var input = document.getElementById(box.dataset.similarFor);
    if (!input) return;
    var list = box.querySelector("ul");
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === last) return;
        last = q;
        if (q.length < 4) { box.hidden = true; return; }
        fetch("/api/v1/ideas/similar?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            if (q !== last) return;
            list.textContent = "";
            (data.items || []).forEach(function (idea) {
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = "/ideas/" + idea.id;
              a.textContent = idea.title;
              li.appendChild(a);
              li.appendChild(document.createTextNode(" · " + idea.status_name + " · " + idea.score + " votes"));
              list.appendChild(li);
            });
            box.hidden = list.children.length === 0;
          })
          .catch(function () { box.hidden = true; });
      }, 250);
    });
  }

  // Votes without a page reload; the form still posts normally without JS.
  function voteForm(form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var box = form.closest("[data-vote-box]");
      fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401 || r.redirected) { window.location = "/login?next=" + encodeURIComponent(location.pathname); return null; }
          return r.json().then(function (data) { return { ok: r.ok, data: data }; });
        })
        .then(function (res) {
          if (!res) return;
          if (!res.ok) { window.alert(res.data.error || "Your vote could not be saved."); return; }
          box.querySelector("[data-vote-score]").textContent = res.data.score;
          box.querySelectorAll("button.vote").forEach(function (b) {
            var v = b.classList.contains("up") ? 1 : -1;
            var on = res.data.my_vote === v;
            b.classList.toggle("active", on);
            b.setAttribute("aria-pressed", on ? "true" : "false");
          });
        })
        .catch(function () { form.submit(); });
    });
  }

  function confirmForms(form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-similar-for]").forEach(similarHint);
    document.querySelectorAll("[data-vote-form]").forEach(voteForm);
    document.querySelectorAll("form[data-confirm]").forEach(confirmForms);
  });
})();
