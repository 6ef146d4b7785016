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
              li.appendChild(document.createTextNode(" · " + idea.status_name + " · " + idea.score + (idea.score === 1 ? " vote" : " votes")));
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
          var id = box.dataset.voteBox, d = res.data;
          // The same idea can be listed twice (home: hot and new): every copy shows the new score.
          document.querySelectorAll('[data-vote-box="' + id + '"]').forEach(function (each) {
            var score = each.querySelector("[data-vote-score]");
            score.textContent = d.score;
            score.parentNode.title = d.upvotes + " up, " + d.downvotes + " down";
            each.querySelectorAll("button.vote").forEach(function (b) {
              var on = d.my_vote === (b.classList.contains("up") ? 1 : -1);
              b.classList.toggle("active", on);
              b.setAttribute("aria-pressed", on ? "true" : "false");
            });
          });
          document.querySelectorAll('[data-vote-tally="' + id + '"]').forEach(function (tally) {
            tally.textContent = d.upvotes + " up · " + d.downvotes + " down";
          });
          var total = d.upvotes + d.downvotes;
          document.querySelectorAll('[data-vote-share="' + id + '"]').forEach(function (share) {
            // The same words and rounding (half up) as the vote_share macro in templates/_macros/ui.html.
            share.textContent = total ? Math.floor((200 * d.upvotes + total) / (2 * total)) + "% up of " + total.toLocaleString("en") +
              (total === 1 ? " vote" : " votes") : "no votes yet";
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

  // Share an entry: copy its link, or the device's share sheet (Web Share API) where there is one.
  function shareBox(box) {
    var copy = box.querySelector("[data-copy]"), share = box.querySelector("[data-web-share]");
    var status = box.querySelector("[data-copy-status]");
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var input = document.getElementById(copy.dataset.copy);
        navigator.clipboard.writeText(input.value).then(function () {
          status.textContent = "Link copied.";
        }, function () {
          input.select();
          status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
        });
      });
    }
    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: share.dataset.title, url: share.dataset.url }).catch(function () {});
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-share-box]").forEach(shareBox);
    document.querySelectorAll("[data-similar-for]").forEach(similarHint);
    document.querySelectorAll("[data-vote-form]").forEach(voteForm);
    document.querySelectorAll("form[data-confirm]").forEach(confirmForms);
  });
})();
