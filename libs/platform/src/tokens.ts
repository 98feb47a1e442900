/** Name of the service this process runs (`ingest`, ..., or `fleet` for all-in-one). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');
