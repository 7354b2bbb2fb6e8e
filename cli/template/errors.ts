// The template command's errors, each with a stable code a script (or a test) can tell apart.
export type TemplateErrorCode =
  | 'TEMPLATE_PARSE' // the template does not parse
  | 'TEMPLATE_SERVICE_NAME' // a service the template names dynamically, or a bad service name
  | 'TEMPLATE_RENDER' // rendering failed (a filter's error)
  | 'TEMPLATE_WRITE' // the destination could not be written
  | 'TEMPLATE_CHECK_FAILED' // --check-command refused the rendered candidate
  | 'TEMPLATE_COMMAND_FAILED'; // --command exited non-zero

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
