// What the admin client sends its requests through: one JSON request of the config center's HTTP API
// answered — over HTTP to the members (http-json.ts), or in the process of an embedded node
// (in-process-api.ts), with the same routes, answers and errors either way.
export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface JsonRequest {
  readonly method: HttpMethod;
  /** "/lodestone/v1/config/…", with its query. */
  readonly path: string;
  readonly body?: unknown;
  /** Whether sending it twice does no harm (reads, puts of a value): then any failure may move on to the next member. */
  readonly idempotent: boolean;
}

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ConfigApiCaller {
  /** The 2xx answer; throws ConfigCenterError for an error answer, ClientError when it could not be asked. */
  call(req: JsonRequest): Promise<JsonAnswer>;
  close(): void;
}
