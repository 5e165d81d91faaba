import { PageSection, Spinner, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { TaskInfo } from '../api.ts';
import { post } from '../api.ts';
import { useLive } from '../live.ts';
import { href, linkTo } from '../router.ts';
import { ErrorAlert, formatTime, useLoad } from '../util.tsx';
import { TaskProgress } from './Vm.tsx';

type TaskRow = TaskInfo & { task: string };
const LIMIT = 100;

export function TasksPage() {
  const tasks = useLoad(async (): Promise<TaskRow[]> => {
    const map = await post<Record<string, TaskInfo>>('/api/cis/tasks?action=list', {});
    return Object.entries(map)
      .map(([task, t]) => ({ ...t, task }))
      .sort((a, b) => (b.start_time ?? '9').localeCompare(a.start_time ?? '9'))
      .slice(0, LIMIT);
  }, []);
  useLive((m) => {
    if (m.event !== 'task') return;
    tasks.setData((d) => {
      const rest = (d ?? []).filter((t) => t.task !== m.data.task);
      return [m.data, ...rest].sort((a, b) => (b.start_time ?? '9').localeCompare(a.start_time ?? '9')).slice(0, LIMIT);
    });
  }, []);
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Tasks</Title>
        <p className="vg-muted">Every face's tasks: the vSphere API's, the View broker's, vmserverd's and the CLI's. Progress updates live.</p>
      </PageSection>
      <PageSection>
        <ErrorAlert error={tasks.error} />
        {tasks.loading && !tasks.data && <Spinner aria-label="Loading tasks" />}
        {tasks.data && (
          <div className="vg-table-wrap">
            <Table aria-label="Tasks" variant="compact">
              <Thead>
                <Tr>
                  <Th width={40}>Task and progress</Th>
                  <Th>Target</Th>
                  <Th>User</Th>
                  <Th>Started</Th>
                </Tr>
              </Thead>
              <Tbody>
                {tasks.data.length === 0 && (
                  <Tr>
                    <Td colSpan={4}>No tasks yet.</Td>
                  </Tr>
                )}
                {tasks.data.map((t) => (
                  <Tr key={t.task}>
                    <Td dataLabel="Task">
                      <TaskProgress t={t} />
                    </Td>
                    <Td dataLabel="Target">
                      {t.target?.type === 'VirtualMachine' ? (
                        <a href={href(`vm/${t.target.id}`)} onClick={linkTo(`vm/${t.target.id}`)}>
                          {t.target.id}
                        </a>
                      ) : (
                        (t.target?.id ?? '—')
                      )}
                    </Td>
                    <Td dataLabel="User">{t.user ?? '—'}</Td>
                    <Td dataLabel="Started">{formatTime(t.start_time)}</Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </div>
        )}
      </PageSection>
    </>
  );
}
