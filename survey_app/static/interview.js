// Interview page: a new interview language shows the questions in it at once, keeping what was typed. Without
// scripts the button next to the language does the same by sending the form back (nothing is recorded).
(function () {
  var form = document.getElementById("interview-form");
  if (!form) { return; }
  var select = form.querySelector("select[name=interview_locale]");
  var button = form.querySelector("[data-switch-language]");
  var questions = document.getElementById("questions");
  if (!select || !button || !questions || !window.fetch || !window.DOMParser) { return; }
  var asked = 0;
  button.hidden = true;
  select.addEventListener("change", function () {
    var mine = ++asked;
    var data = new FormData(form);
    data.append(button.name, button.value);
    fetch(form.getAttribute("action") || window.location.href, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) {
        if (mine !== asked) { return; }  // a later choice is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("questions");
        if (!fresh) { return Promise.reject("no questions"); }
        questions.innerHTML = fresh.innerHTML;
        questions.setAttribute("lang", fresh.getAttribute("lang"));
      })
      .catch(function () {
        if (mine === asked) { button.hidden = false; form.requestSubmit(button); }
      });
  });
})();
