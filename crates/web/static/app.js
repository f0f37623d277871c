// creditbank: small progressive enhancements. Every form also works without JavaScript.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // Captcha: clicking the image or "换一张" fetches a new captcha id.
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-captcha-refresh]");
    if (!t) return;
    ev.preventDefault();
    var box = t.closest(".captcha");
    fetch("/captcha/new", { method: "POST", headers: { "X-CSRF-Token": csrf() } })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        box.querySelector("input[name=captcha_id]").value = j.id;
        box.querySelector("img").src = "/captcha/" + j.id + ".png";
        var input = box.querySelector("input[name=captcha]");
        if (input) { input.value = ""; input.focus(); }
      });
  });

  // SMS code: posts the mobile of the same form, then counts down 60 s.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-sms]");
    if (!b) return;
    ev.preventDefault();
    var form = b.form;
    var mobile = form.querySelector("[name=" + (b.getAttribute("data-mobile-field") || "mobile") + "]");
    var msg = form.querySelector("[data-sms-msg]");
    var body = new URLSearchParams();
    body.set("purpose", b.getAttribute("data-sms"));
    body.set("mobile", mobile ? mobile.value : "");
    b.disabled = true;
    fetch("/sms/send", { method: "POST", body: body, headers: { "X-CSRF-Token": csrf() } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (msg) { msg.textContent = res.ok ? "验证码已发送" : (res.j.detail || "发送失败"); msg.className = res.ok ? "muted" : "err"; }
        if (!res.ok) { b.disabled = false; return; }
        var left = 60, label = b.textContent;
        var timer = setInterval(function () {
          left -= 1;
          b.textContent = left + "秒后重新获取";
          if (left <= 0) { clearInterval(timer); b.disabled = false; b.textContent = label; }
        }, 1000);
      })
      .catch(function () { b.disabled = false; });
  });

  // Institution registration: the school list follows the chosen department and kind.
  function reloadDirectory() {
    var dep = document.querySelector("select[name=department_id]");
    var list = document.querySelector("select[name=directory_code]");
    var kind = document.querySelector("input[name=kind]:checked");
    if (!dep || !list) return;
    var keep = list.getAttribute("data-selected") || "";
    list.innerHTML = '<option value="">请选择学校</option>';
    if (!dep.value) return;
    fetch("/register/institution/directory?department_id=" + encodeURIComponent(dep.value) + "&kind=" + (kind ? kind.value : "school"))
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        rows.forEach(function (row) {
          var o = document.createElement("option");
          o.value = row.code; o.textContent = row.name + "（" + row.code + "）";
          if (row.code === keep) o.selected = true;
          list.appendChild(o);
        });
      });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[name=department_id], input[name=kind]")) reloadDirectory();
  });
  document.addEventListener("DOMContentLoaded", reloadDirectory);

  // Confirmation for destructive buttons.
  document.addEventListener("submit", function (ev) {
    var b = ev.submitter;
    var q = (b && b.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) ev.preventDefault();
  });

  // Review forms decide the ticked rows, or every row of the list when none is ticked:
  // say how many before deciding.
  document.addEventListener("submit", function (ev) {
    var form = ev.target, all = form.getAttribute("data-bulk");
    if (all === null || ev.defaultPrevented) return;
    var ticked = form.querySelectorAll("input[name=id]:checked").length;
    var what = (ev.submitter && ev.submitter.textContent.trim()) || "处理";
    var q = ticked === 0
      ? "未勾选任何记录，将对列表中的全部" + all + "条执行“" + what + "”，确定吗？"
      : "将对已勾选的" + ticked + "条执行“" + what + "”，确定吗？";
    if (!window.confirm(q)) ev.preventDefault();
  });
})();

// List tables: each cell learns its column's heading, shown beside it on a phone.
(function () {
  document.querySelectorAll(".table-wrap table").forEach(function (t) {
    var heads = [];
    var first = t.querySelector("tr");
    if (!first) return;
    first.querySelectorAll("th").forEach(function (th) { heads.push(th.textContent.trim()); });
    t.querySelectorAll("tr").forEach(function (tr) {
      tr.querySelectorAll("td").forEach(function (td, i) {
        if (heads[i] && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[i]);
      });
    });
  });
})();

// Pages of running jobs reload themselves until the job is over.
(function () {
  var el = document.querySelector("[data-refresh]");
  if (el) setTimeout(function () { window.location.reload(); }, 1000 * Number(el.getAttribute("data-refresh")));
})();
