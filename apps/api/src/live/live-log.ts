/** How the live path logs: one structured line per call (the apps' JSON-lines shape). */
export type LiveLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** JSON lines on stderr, as `tickflow api` logs. */
export const stderrLiveLog: LiveLog = (level, msg, fields = {}) => {
  process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), app: 'api', component: 'live', msg, ...fields }) + '\n');
};
