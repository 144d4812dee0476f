import assert from 'node:assert/strict';
import { PROBLEM_CONTENT_TYPE, type Problem } from '@setgate/contracts';
import type { Dispatcher } from 'undici';

/** Asserts a problem+json answer with the given status and code, and returns it. */
export async function expectProblem(res: Dispatcher.ResponseData<unknown>, status: number, code: string): Promise<Problem> {
  assert.equal(res.statusCode, status);
  assert.equal(String(res.headers['content-type']).split(';')[0], PROBLEM_CONTENT_TYPE);
  const problem = (await res.body.json()) as Problem;
  assert.equal(problem.code, code);
  assert.equal(problem.status, status);
  assert.equal(problem.instance, res.headers['x-request-id']);
  return problem;
}
