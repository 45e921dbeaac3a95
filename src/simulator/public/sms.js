/*
 * Passerelle SMS and WhatsApp simulator: plays Twilio in the browser. Each message is a
 * form like Twilio's incoming-message webhook, signed by the server's development helper
 * (the page's data-sign), then posted to the real webhook (its data-path):
 * /webhooks/twilio/sms, or /webhooks/twilio/whatsapp with WhatsApp addresses (a phone
 * number, or a business-scoped user id such as SN.1234… when no number is shared).
 */
(function () {
  'use strict';
  var PATH = document.body.getAttribute('data-path') || '/webhooks/twilio/sms';
  var SIGN = document.body.getAttribute('data-sign') || '../simulator/twilio/sign';
  var WHATSAPP = document.body.classList.contains('whatsapp');
  function $(id) { return document.getElementById(id); }
  var thread = $('thread'), text = $('text'), phone = $('phone-number'), error = $('error'), send = $('send');
  var count = 0;

  function hex(n) {
    var a = new Uint8Array(n);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function bubble(body, kind, meta) {
    var div = document.createElement('div');
    div.className = 'msg ' + kind;
    div.textContent = body;
    if (meta) {
      var small = document.createElement('span');
      small.className = 'meta';
      small.textContent = meta;
      div.appendChild(small);
    }
    thread.appendChild(div);
    thread.scrollTop = thread.scrollHeight;
    count += 1;
    thread.setAttribute('data-count', String(count));
  }

  function unescapeXml(s) {
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  }

  /** Twilio's fields for one incoming message (WhatsApp: no WaId when the sender is a user id). */
  function form(body, sid) {
    var from = phone.value.trim();
    var common = { SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: body, NumSegments: '1', MessageSid: sid, AccountSid: 'AC' + '0'.repeat(32), ApiVersion: '2010-04-01' };
    if (!WHATSAPP) return Object.assign(common, { ToCountry: 'SN', FromCountry: 'SN', To: '+221338000000', From: from });
    var user = from.charAt(0) !== '+';
    var extra = user ? { ExternalUserIdentifier: from } : { WaId: from.slice(1) };
    return Object.assign(common, { To: 'whatsapp:+221338000000', From: 'whatsapp:' + from, ProfileName: 'Simulator', MessageType: 'text', ReferralNumMedia: '0' }, extra);
  }

  function post(body) {
    var params = form(body, 'SM' + hex(16));
    return fetch(SIGN, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: PATH, params: params }) })
      .then(function (res) { return res.json(); })
      .then(function (signed) {
        return fetch('..' + PATH, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signed.signature },
          body: new URLSearchParams(params).toString(),
        });
      })
      .then(function (res) {
        return res.text().then(function (xml) {
          if (!res.ok) throw new Error(res.status + ' ' + xml);
          var match = /<Message[^>]*>([\s\S]*)<\/Message>/.exec(xml);
          var reply = match ? unescapeXml(match[1]) : '';
          bubble(reply, 'in', reply.length + ' characters');
        });
      });
  }

  $('compose').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = text.value;
    error.textContent = '';
    bubble(body, 'out');
    text.value = '';
    send.disabled = true;
    post(body).catch(function (err) { error.textContent = String(err.message || err); }).then(function () {
      send.disabled = false;
      text.focus();
    });
  });

  $('clear').addEventListener('click', function () {
    thread.textContent = '';
  });

  document.body.setAttribute('data-ready', 'true');
})();
