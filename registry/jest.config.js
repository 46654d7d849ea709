module.exports = require('../services/core/jest.esm.js')(__dirname);
