import type { Sealed } from '../crypto/keyring';
import { jump, start, step, type FlowData, type FlowState, type Screen, type StepContext, type StepResult, type Text } from '../flows/engine';
import type { FlowDefinition } from '../flows/schema';
import type { Localizer } from '../locales/localizer';
import type { ChannelId, ChannelRenderer, InboundMessage, Reply } from '../messaging/types';
import { applyEffect, performEffect, type EffectScope, type EffectServices } from './effects';
import { goodbyeScreen, localiseScreen } from './localiseScreen';

/** What a turn needs of the gateway's configuration. */
export interface TurnOptions extends EffectServices {
  flow: FlowDefinition;
  localizer: Localizer;
  renderers: Partial<Record<ChannelId, ChannelRenderer>>;
  data: FlowData;
  /** Values shown in texts: hotline, emergency numbers, retention hours. */
  params: Record<string, string>;
  validate: StepContext['validate'];
  languages: string[];
  clock: () => Date;
}

/**
 * One request's work on one conversation: it runs the pure engine over the inputs and
 * has each effect it returns handled, keeping what the request changes (sealed input,
 * the end of the session) for the gateway to save.
 */
export class Turn {
  private readonly ctx: StepContext;
  /** What the effect handlers read and change. */
  private readonly scope: EffectScope;
  /** Shown with this turn's reply (the first of a conversation). */
  notice?: Text;

  constructor(
    private readonly options: TurnOptions,
    private readonly message: InboundMessage,
    key: string,
    /** Sealed keypad input carried over from earlier steps. */
    secrets: Record<string, Sealed> | undefined,
  ) {
    const renderer = options.renderers[message.channel];
    if (!renderer) throw new Error(`no renderer for channel ${message.channel}`);
    const { clock, data, params, validate } = options;
    this.ctx = {
      now: clock().getTime(),
      data,
      params,
      validate,
      capabilities: message.capabilities,
      fits: (screen, lang) => renderer.fits(this.localise(screen, lang)),
    };
    this.scope = { services: options, message, key, secrets, ended: false, exited: false, gone: false };
  }

  get channel(): ChannelId {
    return this.message.channel;
  }

  /** Text channels: the conversation this turn belongs to. */
  get conversation(): string | undefined {
    return this.scope.conversation;
  }

  set conversation(id: string | undefined) {
    this.scope.conversation = id;
  }

  /** Sealed keypad input to keep with the conversation. */
  get secrets(): Record<string, Sealed> | undefined {
    return this.scope.secrets;
  }

  /** The session ended during this turn. */
  get ended(): boolean {
    return this.scope.ended;
  }

  /** The person chose the quick exit (`0`) during this turn. */
  get exited(): boolean {
    return this.scope.exited;
  }

  dropSecrets(): void {
    this.scope.secrets = undefined;
  }

  /** A new conversation at the welcome screen. */
  begin(lang = this.options.languages[0]): StepResult {
    return start(this.options.flow, this.ctx, lang);
  }

  /** Moves to a named node (a keyword's destination). */
  jump(state: FlowState, node: string): StepResult {
    return jump(this.options.flow, state, node, this.ctx);
  }

  /** Feeds inputs one by one, performing effects, until they are used up or the session ends. */
  async feed(state: FlowState, inputs: string[], initial?: StepResult): Promise<StepResult> {
    let result: StepResult = initial ?? { state, screen: null, effects: [] };
    for (const text of inputs) {
      if (this.scope.ended) break;
      result = await this.settle(step(this.options.flow, result.state, { type: 'input', text }, this.ctx));
    }
    return result;
  }

  /** Applies a step's effects; an `await` effect is performed and its result fed back to the engine. */
  private async settle(first: StepResult): Promise<StepResult> {
    let result = first;
    for (;;) {
      if (this.scope.gone) {
        // The session had already made its request (a replayed path): nothing of it is shown again.
        this.scope.ended = true;
        return { state: result.state, screen: goodbyeScreen(), effects: [{ type: 'end', await: false, reason: 'done' }] };
      }
      for (const effect of result.effects) {
        if (!effect.await) applyEffect(effect, this.scope, result.state);
      }
      const pending = result.effects.find((effect) => effect.await);
      if (!pending?.await) return result;
      result = step(this.options.flow, result.state, await performEffect(pending, this.scope, result.state), this.ctx);
    }
  }

  /** Puts a screen into words for this turn's channel, with the conversation's first-reply notice. */
  localise(screen: Screen, lang: string): Reply {
    const reply = localiseScreen(this.options.localizer, screen, lang, { labels: this.message.capabilities.buttons });
    if (this.notice) reply.notice = this.options.localizer.t(this.notice, lang);
    return reply;
  }
}
