// The simulator lives in src/sim (`slate sim`); test/sim re-exports it for existing imports.
export * from '../../src/sim/ipad-simulator';
