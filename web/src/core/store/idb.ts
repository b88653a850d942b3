// Small promise wrappers over IndexedDB requests and transactions.

export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("an IndexedDB request failed"));
  });
}

export function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error("an IndexedDB transaction failed"));
    transaction.onabort = () => reject(transaction.error ?? new Error("an IndexedDB transaction was aborted"));
  });
}

/** Opens (creating when new) a database with the given object stores; `created` says whether it was new. */
export function openDatabase(name: string, stores: string[]): Promise<{ db: IDBDatabase; created: boolean }> {
  return new Promise((resolve, reject) => {
    let created = false;
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      created = true;
      for (const store of stores) request.result.createObjectStore(store);
    };
    request.onsuccess = () => {
      // Another tab deleting or upgrading the profile must not wait for this one to be closed by hand.
      request.result.onversionchange = () => request.result.close();
      resolve({ db: request.result, created });
    };
    request.onerror = () => reject(request.error ?? new Error(`cannot open the browser database ${name}`));
    request.onblocked = () => reject(new Error(`the browser database ${name} is in use by another tab`));
  });
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`cannot delete the browser database ${name}`));
    request.onblocked = () => reject(new Error(`the browser database ${name} is in use by another tab; close it first`));
  });
}
