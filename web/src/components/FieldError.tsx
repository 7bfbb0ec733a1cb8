/** A validation message under its input, linked by id for screen readers. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span class="field-error" id={id} role="alert" data-testid={`error-${id}`}>
      {message}
    </span>
  );
}
