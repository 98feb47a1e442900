/** Injection token for the {@link FleetConfig} object. */
export const FLEET_CONFIG = Symbol('FLEET_CONFIG');
