import assert from 'node:assert/strict';
import { PROBLEM_CONTENT_TYPE, type Problem } from '@setgate/contracts';

interface InjectLike {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** Asserts an application/problem+json answer with this status and code; returns the problem. */
export function assertProblem(res: InjectLike, status: number, code: string): Problem {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(String(res.headers['content-type']).split(';')[0], PROBLEM_CONTENT_TYPE);
  const problem = JSON.parse(res.body) as Problem;
  assert.equal(problem.code, code, res.body);
  assert.equal(problem.status, status);
  return problem;
}
