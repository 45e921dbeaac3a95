import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { formBody, parseForm } from '../../src/channels/formBody';

/** A route that echoes what the reader made of the body; errors as the app maps them (status only). */
function app() {
  const a = express();
  a.post('/', formBody(64), (req, res) => {
    res.json({ body: req.body === undefined ? 'undefined' : { ...req.body }, proto: req.body ? Object.getPrototypeOf(req.body) : 'none' });
  });
  a.use(((err, _req, res, _next) => {
    res.status(err.status ?? 500).send(err.message);
  }) as express.ErrorRequestHandler);
  return a;
}

describe('formBody (provider callback forms)', () => {
  it('reads a form as express.urlencoded({ extended: false }) does', async () => {
    const res = await request(app()).post('/').type('form').send('sessionId=ATUid_1&phoneNumber=%2B221770000001&text=1*2&note=a+b');
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ sessionId: 'ATUid_1', phoneNumber: '+221770000001', text: '1*2', note: 'a b' });
    expect(res.body.proto).toBeNull();
  });

  it('keeps every value of a key sent twice, and __proto__ is only a field name', async () => {
    expect(parseForm('a=1&b=2&a=3&a=4')).toEqual(Object.assign(Object.create(null), { a: ['1', '3', '4'], b: '2' }));
    const form = parseForm('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(form.__proto__).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('tolerates malformed percent escapes instead of failing', () => {
    expect(parseForm('text=100%&x=%zz')).toEqual(Object.assign(Object.create(null), { text: '100%', x: '%zz' }));
  });

  it('leaves another content type unread (the route then names the missing fields)', async () => {
    const res = await request(app()).post('/').type('json').send({ sessionId: 'x' });
    expect(res.status).toBe(200);
    expect(res.body.body).toBe('undefined');
  });

  it('refuses a body over the limit, declared or streamed, with 413', async () => {
    const declared = await request(app())
      .post('/')
      .type('form')
      .send(`text=${'1'.repeat(100)}`);
    expect(declared.status).toBe(413);

    // Chunked, without Content-Length: counted while read.
    const server = app().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 10; i += 1) req.write('text=1111111111&');
        req.end();
      });
      expect(status).toBe(413);
    } finally {
      server.close();
    }
  });

  it('refuses a compressed body or another charset with 415', async () => {
    const gzip = await request(app()).post('/').set('Content-Type', 'application/x-www-form-urlencoded').set('Content-Encoding', 'gzip').send('a=1');
    expect(gzip.status).toBe(415);
    const latin1 = await request(app()).post('/').set('Content-Type', 'application/x-www-form-urlencoded; charset=ISO-8859-1').send('a=1');
    expect(latin1.status).toBe(415);
    const utf8 = await request(app()).post('/').set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8').send('a=%C3%A9');
    expect(utf8.body.body).toEqual({ a: 'é' });
  });
});
