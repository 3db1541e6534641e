// "Copy the link" buttons: shown only where scripts run; without them the link stays selectable in its field.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) { return; }
  var note = button.parentNode.querySelector("[data-copied]");
  button.hidden = false;
  button.addEventListener("click", function () {
    field.focus();
    field.select();
    var copied = function () { if (note) { note.hidden = false; } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(copied, function () {
        if (document.execCommand("copy")) { copied(); }
      });
    } else if (document.execCommand("copy")) {
      copied();
    }
  });
});
