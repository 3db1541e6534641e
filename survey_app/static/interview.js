// Interview page: a new interview language shows the questions in it at once. Only their words change in place,
// so what is being typed or ticked meanwhile stays. Without scripts, the button next to the language does the
// same by sending the form back (nothing is recorded), and the page comes back with everything kept.
(function () {
  var form = document.getElementById("interview-form");
  if (!form) { return; }
  var select = form.querySelector("select[name=interview_locale]");
  var button = form.querySelector("[data-switch-language]");
  var questions = document.getElementById("questions");
  if (!select || !button || !questions || !window.fetch || !window.DOMParser || !document.createTreeWalker) {
    return;
  }
  var asked = 0;
  button.hidden = true;

  // The words of a block: its text nodes, except what a text box holds.
  function words(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentNode.nodeName === "TEXTAREA" ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var found = [];
    while (walker.nextNode()) { found.push(walker.currentNode); }
    return found;
  }

  function reload() {
    button.hidden = false;
    form.requestSubmit(button);
  }

  select.addEventListener("change", function () {
    var mine = ++asked;
    var data = new FormData(form);
    data.append(button.name, button.value);
    fetch(form.getAttribute("action") || window.location.href, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) {
        if (mine !== asked) { return; }  // a later choice is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("questions");
        var now = words(questions);
        var then = fresh ? words(fresh) : [];
        if (!fresh || then.length !== now.length) { reload(); return; }  // e.g. error messages shown: reload
        now.forEach(function (node, i) { node.nodeValue = then[i].nodeValue; });
        questions.setAttribute("lang", fresh.getAttribute("lang"));
      })
      .catch(function () { if (mine === asked) { reload(); } });
  });
})();
