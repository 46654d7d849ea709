module.exports = require('../core/jest.esm.js')(__dirname);
