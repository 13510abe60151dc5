// While a command waits for a busy vault (another process, or this
// window's long job, holds it), what it is waiting for: App.svelte shows it
// as a quiet banner. Set and cleared by api.ts only.
export const vaultWait = $state<{ message: string | null }>({ message: null });
