import { useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { ErrorAlert, messageOf } from './util.tsx';

let seq = 0;

/** A dialog that runs `onConfirm`; the API's error stays in the dialog. */
export function ConfirmModal({ title, children, confirmLabel, danger, onConfirm, onClose, canConfirm = true }: { title: string; children: ReactNode; confirmLabel: string; danger?: boolean; onConfirm: () => Promise<void>; onClose: () => void; canConfirm?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [id] = useState(() => `vg-modal-${++seq}`);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby={`${id}-title`}>
      <ModalHeader title={title} labelId={`${id}-title`} titleIconVariant={danger ? 'warning' : undefined} />
      <ModalBody>
        <form
          id={`${id}-form`}
          onSubmit={(e) => {
            e.preventDefault();
            if (canConfirm && !busy) void run();
          }}
        >
          {children}
        </form>
        <div style={{ marginTop: '1rem' }}>
          <ErrorAlert error={error} />
        </div>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form={`${id}-form`} variant={danger ? 'danger' : 'primary'} isLoading={busy} isDisabled={busy || !canConfirm}>
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
