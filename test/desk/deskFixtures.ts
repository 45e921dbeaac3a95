import request from 'supertest';
import { createIntake, type CreateIntakeOptions } from '../../src/caseLink/createIntake';
import { createStaff, type NewStaff } from '../../src/desk/staffAccounts';
import type { TestServer } from '../support/testServer';

let counter = 0;

/** A fictional callback number, different on each call. */
export function fakeNumber(): string {
  counter += 1;
  return `+22177${String(1_000_000 + counter * 37).slice(-7)}`;
}

/** Creates an intake straight through caseLink (what the USSD flow does), returning its id and number. */
export async function makeIntake(t: TestServer, options: Partial<CreateIntakeOptions> = {}) {
  const contact = options.contact ?? fakeNumber();
  const ctx = t.server.desk.context;
  const result = await createIntake(ctx, {
    channel: 'ussd',
    sessionHash: ctx.keyring.hash(`session-${contact}-${counter}-${Math.random()}`),
    requesterHash: ctx.keyring.hash(contact),
    contact,
    subject: 'self',
    language: 'fr',
    callerGender: 'any',
    timeWindow: 'any',
    cover: 'health_centre',
    ...options,
  });
  if (result.outcome !== 'ok') throw new Error('makeIntake: limit');
  return { id: result.intakeId, reference: result.reference, label: result.label, contact };
}

let staffCounter = 0;

/** A staff account with its API token; names are unique per call. */
export async function makeStaff(t: TestServer, input: Partial<NewStaff> = {}) {
  staffCounter += 1;
  const name = input.name ?? `Agent ${staffCounter}`;
  const { id, token } = await createStaff(t.server.desk.context, { role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f', ...input, name });
  return { id, token, name, auth: { Authorization: `Bearer ${token}` } };
}

/** Posts the console login form as a browser would (a supertest agent keeps the cookies); returns the agent and the answer. */
export async function consoleLogin(t: TestServer, name: string, password: string, headers: Record<string, string> = {}) {
  const agent = request.agent(t.server.app);
  const form = await agent.get('/console/login').set(headers);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
  const res = await agent.post('/console/login').set(headers).type('form').send({ name, password, _csrf: csrf });
  return { agent, res };
}
