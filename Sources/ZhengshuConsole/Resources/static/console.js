// Zhengshu console: the little script that helps where plain forms cannot (an upload's live progress).
"use strict";
(function () {
  var form = document.getElementById("upload-form");
  if (!form) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var bar = document.getElementById("upload-bar"), status = document.getElementById("upload-status");
  var problem = document.getElementById("upload-problem"), link = document.getElementById("upload-job");
  function show(el, text) { el.textContent = text; el.hidden = false; }
  function poll(id) {
    var x = new XMLHttpRequest();
    x.open("GET", "/api/v1/jobs/" + id);
    x.setRequestHeader("X-Zhengshu-CSRF", csrf);
    x.onload = function () {
      if (x.status !== 200) return;
      var job = JSON.parse(x.responseText);
      if (job.bytesTotal) bar.style.width = Math.min(100, Math.round(100 * job.bytesRead / job.bytesTotal)) + "%";
      show(status, form.dataset.rows.replace("{read}", job.rowsRead).replace("{accepted}", job.rowsAccepted).replace("{rejected}", job.rowsRejected));
      var state = document.getElementById("upload-state");
      show(state, form.dataset["status" + job.status.charAt(0).toUpperCase() + job.status.slice(1)] || job.status);
      state.setAttribute("data-status", job.status);
      if (["succeeded", "failed", "cancelled"].indexOf(job.status) < 0) setTimeout(function () { poll(id); }, 500);
    };
    x.send();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    problem.hidden = true;
    var file = document.getElementById("upload-file").files[0];
    if (!file) { show(problem, form.dataset.nofile); return; }
    var query = "mode=" + encodeURIComponent(form.elements.mode.value) + "&name=" + encodeURIComponent(file.name);
    var maps = form.elements.map.value.split(/[\n,，;；]+/);
    for (var i = 0; i < maps.length; i++) { var m = maps[i].trim(); if (m) query += "&map=" + encodeURIComponent(m.replace("=", ":")); }
    var data = new FormData();
    data.append("file", file, file.name);
    var x = new XMLHttpRequest();
    x.open("POST", "/api/v1/resources/" + encodeURIComponent(form.dataset.code) + "/ingest?" + query);
    x.setRequestHeader("X-Zhengshu-CSRF", csrf);
    x.upload.onprogress = function (e) { if (e.lengthComputable) bar.style.width = Math.round(100 * e.loaded / e.total) + "%"; };
    form.querySelector("button").disabled = true;
    show(status, form.dataset.sending);
    // The server reads the file as it arrives: while it does, the newest job of the resource shows the rows so far.
    var started = Date.now() - 5000, watching = true;
    function watch() {
      if (!watching) return;
      var w = new XMLHttpRequest();
      w.open("GET", "/api/v1/jobs?resource=" + encodeURIComponent(form.dataset.code));
      w.setRequestHeader("X-Zhengshu-CSRF", csrf);
      w.onload = function () {
        if (!watching || w.status !== 200) return;
        var jobs = JSON.parse(w.responseText).items || [];
        for (var i = 0; i < jobs.length; i++) {
          if (jobs[i].status === "running" && Date.parse(jobs[i].createdAt) >= started) {
            show(status, form.dataset.rows.replace("{read}", jobs[i].rowsRead).replace("{accepted}", jobs[i].rowsAccepted).replace("{rejected}", jobs[i].rowsRejected));
            break;
          }
        }
        setTimeout(watch, 700);
      };
      w.send();
    }
    setTimeout(watch, 300);
    x.onload = function () {
      watching = false;
      form.querySelector("button").disabled = false;
      var body = {};
      try { body = JSON.parse(x.responseText); } catch (e) { }
      var job = body.job || body;
      if (job && job.id) { link.href = "/jobs/" + job.id; show(link, form.dataset.joblink.replace("{id}", job.id)); poll(job.id); }
      if (x.status >= 400) {
        var text = (body.detail || body.title || x.statusText);
        if (body.violations) text += " " + body.violations.map(function (v) { return (v.row !== undefined ? "#" + v.row + " " : "") + v.field + ": " + v.reason; }).join("; ");
        show(problem, text);
      } else { bar.style.width = "100%"; }
    };
    x.onerror = function () { watching = false; form.querySelector("button").disabled = false; show(problem, form.dataset.neterror); };
    x.send(data);
  });
})();
