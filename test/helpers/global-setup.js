// CLI tests spawn bin/slate.js; build once here so parallel workers never race on tsc.
module.exports = async () => {
  require('../../bin/ensure-build').ensureBuild();
};
