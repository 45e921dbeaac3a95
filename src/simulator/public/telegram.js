/*
 * Passerelle Telegram simulator: plays Telegram in the browser. It posts Update JSON
 * to the real /webhooks/telegram/community (with the secret token) and shows what
 * the bot sent to the simulated Bot API (/simulator/telegram/chat/<id>).
 */
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  var thread = $('thread'), text = $('text'), error = $('error'), replykb = $('replykb'), phone = $('phone-number');
  var a = new Uint32Array(1);
  crypto.getRandomValues(a);
  var chatId = 900000000 + (a[0] % 99999999);
  var user = { id: chatId, is_bot: false, first_name: 'Simulateur', language_code: 'fr' };
  // Telegram's update ids grow across every chat of a bot, and the bot handles each once:
  // each page starts at a random point so a reload is not taken for retries.
  var updateId = Math.floor(Math.random() * 2e9) + 1, messageId = 1000000, updates = 0;
  var mine = []; // the person's messages: { id, text, seq }
  var seq = 0, botSeq = {};
  var config = null;

  function post(update) {
    update.update_id = updateId++;
    return fetch('..' + config.path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': config.secret },
      body: JSON.stringify(update),
    }).then(function (res) {
      if (!res.ok) return res.text().then(function (t) { throw new Error(res.status + ' ' + t); });
      return refresh();
    });
  }

  function message(extra, shown) {
    var id = messageId++;
    mine.push({ id: id, text: shown, seq: seq++ });
    var m = { message_id: id, from: user, chat: { id: chatId, first_name: 'Simulateur', type: 'private' }, date: Math.floor(Date.now() / 1000) };
    for (var k in extra) m[k] = extra[k];
    return post({ message: m });
  }

  function say(body) {
    var extra = { text: body };
    if (body.charAt(0) === '/') extra.entities = [{ offset: 0, length: body.split(' ')[0].length, type: 'bot_command' }];
    return message(extra, body);
  }

  function press(data, botMessageId) {
    return post({
      callback_query: {
        id: String(Date.now()), from: user, chat_instance: '1', data: data,
        message: { message_id: botMessageId, from: { id: 1, is_bot: true, first_name: 'Passerelle' }, chat: { id: chatId, type: 'private' }, date: 0, text: '' },
      },
    });
  }

  function bubble(body, kind) {
    var div = document.createElement('div');
    div.className = 'msg ' + kind;
    div.textContent = body;
    thread.appendChild(div);
    return div;
  }

  function refresh() {
    return fetch('../simulator/telegram/chat/' + chatId).then(function (res) { return res.json(); }).then(function (chat) {
      mine = mine.filter(function (m) { return chat.deleted.indexOf(m.id) < 0; });
      chat.messages.forEach(function (m) { if (!(m.message_id in botSeq)) botSeq[m.message_id] = seq++; });
      var all = mine.map(function (m) { return { id: m.id, mine: true, text: m.text, seq: m.seq }; }).concat(chat.messages.map(function (m) { return { id: m.message_id, text: m.text, markup: m.reply_markup, seq: botSeq[m.message_id] }; }));
      all.sort(function (x, y) { return x.seq - y.seq; });
      thread.textContent = '';
      replykb.textContent = '';
      all.forEach(function (m) { render(m); });
      thread.scrollTop = thread.scrollHeight;
      updates += 1;
      thread.setAttribute('data-updates', String(updates));
    });
  }

  function render(m) {
    var div = bubble(m.text, m.mine ? 'out' : 'in');
    var markup = m.markup || {};
    if (markup.inline_keyboard) {
      var kb = document.createElement('div');
      kb.className = 'keyboard';
      markup.inline_keyboard.forEach(function (row) {
        var r = document.createElement('div');
        r.className = 'row';
        row.forEach(function (b) {
          var button = document.createElement('button');
          button.type = 'button';
          button.textContent = b.text;
          button.setAttribute('data-callback', b.callback_data);
          button.addEventListener('click', function () { act(press(b.callback_data, m.id)); });
          r.appendChild(button);
        });
        kb.appendChild(r);
      });
      div.appendChild(kb);
    }
    if (markup.keyboard) {
      markup.keyboard.forEach(function (row) {
        row.forEach(function (b) {
          var button = document.createElement('button');
          button.type = 'button';
          button.textContent = b.text;
          button.addEventListener('click', function () {
            var number = phone.value.replace(/[^0-9]/g, '');
            act(b.request_contact ? message({ contact: { phone_number: number, first_name: 'Simulateur', user_id: chatId } }, '📱 ' + phone.value) : say(b.text));
          });
          replykb.appendChild(button);
        });
      });
    }
  }

  function act(promise) {
    error.textContent = '';
    return promise.catch(function (err) { error.textContent = String(err.message || err); });
  }

  $('compose').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = text.value;
    text.value = '';
    act(say(body)).then(function () { text.focus(); });
  });

  fetch('../simulator/telegram/config.json').then(function (res) {
    if (!res.ok) throw new Error('The Telegram simulator is off: a real bot token is configured (use Telegram itself).');
    return res.json();
  }).then(function (c) {
    config = c;
    document.body.setAttribute('data-ready', 'true');
  }).catch(function (err) { error.textContent = String(err.message || err); });
})();
