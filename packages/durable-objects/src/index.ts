export { DurableObjectId, DurableObjectIdFactory } from "./ids.js";
export { DurableObjectStorage } from "./storage/storage.js";
export { DurableObjectTransaction } from "./storage/transaction.js";
export { SqlStorage, SqlStorageCursor } from "./storage/sql.js";
export type { SqlStorageIterator, SqlStorageValue } from "./storage/sql.js";
export { SyncKvStorage } from "./storage/sync-kv.js";
export type { ListOptions } from "./storage/list-options.js";
