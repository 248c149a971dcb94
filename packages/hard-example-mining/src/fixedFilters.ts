import { BaseFilter } from './baseFilter.js';
import { type HemParameters } from './params.js';

/** Edge-only filter (alias `EdgeOnly`): nothing is hard. Parameters are accepted and ignored. */
export class EdgeOnlyFilter extends BaseFilter<unknown> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'EdgeOnly';

  constructor(_params: HemParameters = {}) {
    super();
  }

  filter(_result?: unknown): boolean {
    return false;
  }
}

/** Cloud-only filter (alias `CloudOnly`): everything is hard. Parameters are accepted and ignored. */
export class CloudOnlyFilter extends BaseFilter<unknown> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'CloudOnly';

  constructor(_params: HemParameters = {}) {
    super();
  }

  filter(_result?: unknown): boolean {
    return true;
  }
}
