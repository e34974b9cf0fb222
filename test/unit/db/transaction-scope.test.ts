import { TransactionMisuseError, TransactionScope } from '../../../src/db/database';

describe('TransactionScope', () => {
  it('guarding: code awaited inside an open transaction may not use the database handle', async () => {
    const scope = new TransactionScope(true);
    const t = scope.run(async () => {
      await Promise.resolve();
      expect(() => scope.assertOutside('a statement')).toThrow(TransactionMisuseError);
      // After-commit work runs in no transaction's context.
      scope.outside(() => expect(() => scope.assertOutside('a statement')).not.toThrow());
    });
    await t.result;
    t.done();
    expect(() => scope.assertOutside('a statement')).not.toThrow();
  });

  it('a finished transaction no longer counts, even for work it left running', async () => {
    const scope = new TransactionScope(true);
    let later: (() => void) | undefined;
    const t = scope.run(async () => {
      later = () => scope.assertOutside('late work');
    });
    await t.result;
    t.done();
    expect(later).not.toThrow();
  });

  it('not guarding (production default): runs the same work without checks', async () => {
    const scope = new TransactionScope(false);
    const ran: string[] = [];
    const t = scope.run(async () => {
      scope.assertOutside('a statement');
      scope.outside(() => ran.push('after'));
      return 'result';
    });
    await expect(t.result).resolves.toBe('result');
    expect(ran).toEqual(['after']);
  });
});
