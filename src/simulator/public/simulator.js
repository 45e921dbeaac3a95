/*
 * Passerelle USSD simulator: plays Africa's Talking in the browser.
 * Each answer is appended to the path, and the whole path is posted on every hop
 * (`text=1*2*1`), as the provider does. Nothing is stored in the browser.
 */
(function () {
  'use strict';

  var ENDPOINT = '../webhooks/africastalking/ussd';
  var NETWORK_CODE = '60801';
  var MAX = 182;

  function $(id) { return document.getElementById(id); }
  var el = {
    dialForm: $('dial-form'), phone: $('phone-number'), code: $('service-code'), dial: $('dial'),
    random: $('random-number'), screen: $('screen'), status: $('status-label'), answerForm: $('answer-form'),
    answer: $('answer'), send: $('send'), cancel: $('cancel'), counter: $('counter'), error: $('error'),
  };

  // One session at a time; `id` changes on every dial so late replies of an old session are ignored.
  var session = { id: null, path: [], active: false, busy: false };
  var hops = 0;

  function hex(bytes) {
    var a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function randomDigits(n) {
    var a = new Uint8Array(n);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return String(b % 10); }).join('');
  }

  function setState(state, label) {
    el.screen.setAttribute('data-state', state);
    el.status.textContent = label;
  }

  function show(text, length) {
    el.screen.textContent = text;
    el.screen.scrollTop = 0;
    el.counter.textContent = length + '/' + MAX;
    el.counter.classList.toggle('over', length > MAX);
  }

  function showError(message) {
    el.error.textContent = message;
  }

  function setInput(enabled) {
    el.answer.disabled = !enabled;
    el.send.disabled = !enabled;
    el.cancel.disabled = !session.active;
    if (enabled) el.answer.focus();
  }

  function finish(dialLabel) {
    session.active = false;
    session.busy = false;
    el.answer.value = '';
    setInput(false);
    el.dial.textContent = dialLabel;
    el.dial.focus();
  }

  function hopDone() {
    hops += 1;
    el.screen.setAttribute('data-hop', String(hops));
    el.screen.removeAttribute('aria-busy');
  }

  function post(text) {
    var form = new URLSearchParams();
    form.set('sessionId', session.id);
    form.set('serviceCode', el.code.value.trim());
    form.set('phoneNumber', el.phone.value.trim());
    form.set('networkCode', NETWORK_CODE);
    form.set('text', text);
    return fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: form.toString(),
      credentials: 'same-origin',
      cache: 'no-store',
    }).then(function (res) {
      return res.text().then(function (body) { return { status: res.status, ok: res.ok, body: body }; });
    });
  }

  /** Posts the current path and shows what comes back. `answer` is undone if the hop fails. */
  function hop(answer) {
    var id = session.id;
    session.busy = true;
    el.send.disabled = true;
    el.answer.disabled = true;
    el.screen.setAttribute('aria-busy', 'true');
    setState('waiting', '…');
    showError('');
    function failed(message) {
      if (id !== session.id) return;
      showError(message);
      session.busy = false;
      if (answer === null) {
        // The dial itself failed: no session was started.
        show('Could not start the session.', 0);
        setState('error', 'ERROR');
        finish('Dial again');
      } else {
        session.path.pop();
        el.answer.value = answer;
        setState('con', 'USSD');
        setInput(true);
      }
      hopDone();
    }
    return post(session.path.join('*')).then(function (res) {
      if (id !== session.id) return;
      if (!res.ok) return failed('HTTP ' + res.status + ': ' + res.body.slice(0, 300));
      var body = res.body;
      if (body.indexOf('CON ') === 0) {
        session.busy = false;
        show(body.slice(4), body.length);
        setState('con', 'USSD');
        el.answer.value = '';
        setInput(true);
      } else if (body.indexOf('END ') === 0) {
        show(body.slice(4), body.length);
        setState('end', 'ENDED');
        finish('Dial again');
      } else {
        show('Unexpected reply.', body.length);
        setState('error', 'ERROR');
        showError('Reply starts with neither "CON " nor "END ": ' + body.slice(0, 300));
        finish('Dial again');
      }
      hopDone();
    }, function () {
      failed('Network error: the server could not be reached.');
    });
  }

  function dial(event) {
    if (event) event.preventDefault();
    session = { id: 'ATUid_sim_' + hex(12), path: [], active: true, busy: false };
    el.dial.textContent = 'Dial';
    el.answer.value = '';
    show('Dialling ' + el.code.value.trim() + ' …', 0);
    el.cancel.disabled = false;
    hop(null);
  }

  function send(event) {
    event.preventDefault();
    if (!session.active || session.busy) return;
    var answer = el.answer.value.trim();
    if (answer === '') {
      el.answer.focus();
      return;
    }
    session.path.push(answer);
    hop(answer);
  }

  function cancel() {
    if (!session.active) return;
    session.id = null; // a reply still on its way is ignored
    show('Session cancelled.', 0);
    setState('cancelled', 'ENDED');
    showError('');
    finish('Dial again');
    hopDone();
  }

  el.dialForm.addEventListener('submit', dial);
  el.answerForm.addEventListener('submit', send);
  el.cancel.addEventListener('click', cancel);
  el.random.addEventListener('click', function () {
    el.phone.value = '+22177000' + randomDigits(4);
  });
  document.querySelector('.keypad').addEventListener('click', function (event) {
    var key = event.target.closest('button[data-key]');
    if (!key || el.answer.disabled) return;
    el.answer.value += key.getAttribute('data-key');
    el.answer.focus();
  });

  setState('idle', 'USSD');
  fetch('config.json', { cache: 'no-store' })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(function (config) {
      if (config && typeof config.serviceCode === 'string') el.code.value = config.serviceCode;
    })
    .catch(function () { /* keep the default code */ })
    .then(function () { document.body.setAttribute('data-ready', 'true'); });
})();
