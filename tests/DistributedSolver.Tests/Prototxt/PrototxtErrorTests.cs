using DistributedSolver.Proto;
using DistributedSolver.Prototxt;

namespace DistributedSolver.Tests.Prototxt;

public sealed class PrototxtErrorTests
{
    [Fact]
    public void UnknownFieldIsAnErrorWithASuggestion()
    {
        var e = SolverError("max_iter: 10\n\nbas_lr: 0.01\n", 3, 1);
        Assert.Equal("solver.prototxt:3:1: unknown field 'bas_lr' in caffe.SolverParameter (did you mean 'base_lr'?)", e.Message);
    }

    [Fact]
    public void UnknownFieldWithoutCloseNameHasNoSuggestion()
    {
        var e = SolverError("  learning_rate_of_everything: 1", 1, 3);
        Assert.Equal("solver.prototxt:1:3: unknown field 'learning_rate_of_everything' in caffe.SolverParameter", e.Message);
    }

    [Fact]
    public void UnknownFieldInANestedMessageNamesThatMessage()
    {
        var e = NetError("layer {\n  name: 'ip'\n  param { lr_mul: 1 }\n}", 3, 11);
        Assert.Equal("net.prototxt:3:11: unknown field 'lr_mul' in caffe.ParamSpec (did you mean 'lr_mult'?)", e.Message);
    }

    [Fact]
    public void NonRepeatedFieldTwiceIsAnError()
    {
        var e = SolverError("base_lr: 0.1\nbase_lr: 0.2", 2, 1);
        Assert.Contains("non-repeated field 'base_lr' in caffe.SolverParameter is specified more than once", e.Message);
        NetError("layer { inner_product_param { num_output: 1 } inner_product_param { } }", 1, 47);
    }

    [Theory]
    [InlineData("max_iter: 2147483648", 1, 11, "value 2147483648 is out of range for int32 field 'max_iter' in caffe.SolverParameter")]
    [InlineData("max_iter: -2147483649", 1, 11, "value -2147483649 is out of range for int32 field 'max_iter'")]
    [InlineData("random_seed: 9223372036854775808", 1, 14, "out of range for int64 field 'random_seed'")]
    [InlineData("random_seed: 99999999999999999999999", 1, 14, "out of range for int64 field 'random_seed'")]
    [InlineData("max_iter: 1.5", 1, 11, "expected an integer for field 'max_iter' in caffe.SolverParameter, found '1.5'")]
    [InlineData("max_iter: 1e3", 1, 11, "expected an integer for field 'max_iter'")]
    [InlineData("max_iter: 08", 1, 11, "expected an integer for field 'max_iter'")]
    [InlineData("max_iter: \"10\"", 1, 11, "expected an integer for field 'max_iter' in caffe.SolverParameter, found \"10\"")]
    [InlineData("max_iter: ten", 1, 11, "expected an integer for field 'max_iter' in caffe.SolverParameter, found 'ten'")]
    [InlineData("base_lr: fast", 1, 10, "expected a number for field 'base_lr' in caffe.SolverParameter, found 'fast'")]
    [InlineData("base_lr: 1.2.3", 1, 10, "expected a number for field 'base_lr'")]
    [InlineData("base_lr: 'x'", 1, 10, "expected a number for field 'base_lr'")]
    [InlineData("debug_info: yes", 1, 13, "expected true or false for field 'debug_info' in caffe.SolverParameter, found 'yes'")]
    [InlineData("debug_info: 2", 1, 13, "expected true or false for field 'debug_info'")]
    [InlineData("debug_info: -1", 1, 13, "expected true or false for field 'debug_info' in caffe.SolverParameter, found '-1'")]
    [InlineData("net: 5", 1, 6, "expected a string for field 'net' in caffe.SolverParameter, found '5'")]
    [InlineData("solver_mode: GPUU", 1, 14, "unknown value 'GPUU' of enum caffe.SolverParameter.SolverMode for field 'solver_mode' in caffe.SolverParameter (did you mean 'GPU'?)")]
    [InlineData("solver_mode: 7", 1, 14, "enum caffe.SolverParameter.SolverMode has no value numbered 7")]
    [InlineData("solver_mode: \"GPU\"", 1, 14, "expected an integer for field 'solver_mode'")]
    [InlineData("base_lr 0.1", 1, 9, "expected ':' after field 'base_lr' in caffe.SolverParameter, found '0.1'")]
    [InlineData("base_lr: [0.1]", 1, 10, "field 'base_lr' in caffe.SolverParameter is not repeated, so it takes no list")]
    [InlineData("test_iter: [1 2]", 1, 15, "expected ',' or ']' in the list of field 'test_iter' in caffe.SolverParameter, found '2'")]
    [InlineData("train_state: 1", 1, 14, "expected '{' to open field 'train_state' (caffe.NetState) in caffe.SolverParameter, found '1'")]
    [InlineData("}", 1, 1, "expected a field name of caffe.SolverParameter, found '}'")]
    [InlineData("max_iter: 1 @", 1, 13, "unexpected character '@'")]
    [InlineData("\n  snapshot_prefix: \"abc", 2, 20, "unterminated string")]
    [InlineData("snapshot_prefix: 'abc\ndef'", 1, 18, "unterminated string")]
    [InlineData("snapshot_prefix: 'abc\\", 1, 18, "unterminated string")]
    [InlineData("snapshot_prefix: 'a\\qb'", 1, 20, "invalid escape '\\q' in string")]
    [InlineData("snapshot_prefix: '\\377'", 1, 18, "field 'snapshot_prefix' in caffe.SolverParameter: the string is not valid UTF-8")]
    [InlineData("max_iter:", 1, 10, "expected an integer for field 'max_iter' in caffe.SolverParameter, found end of file")]
    public void SolverErrorsPointAtTheirToken(string text, int line, int column, string reason)
    {
        var e = SolverError(text, line, column);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith($"solver.prototxt:{line}:{column}: ", e.Message);
    }

    [Theory]
    [InlineData("top_k: -1", 1, 8, "negative value -1 for uint32 field 'top_k' in caffe.AccuracyParameter")]
    [InlineData("top_k: 4294967296", 1, 8, "value 4294967296 is out of range for uint32 field 'top_k'")]
    [InlineData("top_k: 2.0", 1, 8, "expected an integer for field 'top_k'")]
    public void UnsignedErrors(string text, int line, int column, string reason)
    {
        var e = Assert.Throws<PrototxtException>(() => PrototxtParser.Parse<AccuracyParameter>(text, "acc.prototxt"));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void EndOfFileInsideAMessageNamesTheOpeningBrace()
    {
        var e = NetError("name: 'x'\nlayer {\n  name: 'ip'\n  param { lr_mult: 1\n", 5, 1);
        Assert.Equal("net.prototxt:5:1: unexpected end of file in caffe.ParamSpec: missing '}' for the '{' at 4:9", e.Message);
        var angle = NetError("layer < name: 'a'", 1, 18);
        Assert.Contains("missing '>' for the '<' at 1:7", angle.Message);
    }

    [Fact]
    public void MismatchedCloserIsAnError()
    {
        var e = NetError("layer { name: 'a' >", 1, 19);
        Assert.Contains("expected a field name of caffe.LayerParameter, found '>'", e.Message);
    }

    [Fact]
    public void ExceptionCarriesItsPosition()
    {
        var e = SolverError("# header\n\tmax_iter: x", 2, 12);
        Assert.Equal("solver.prototxt", e.FileName);
    }

    private static PrototxtException SolverError(string text, int line, int column) =>
        AssertError(() => PrototxtParser.Parse<SolverParameter>(text, "solver.prototxt"), line, column);

    private static PrototxtException NetError(string text, int line, int column) =>
        AssertError(() => PrototxtParser.Parse<NetParameter>(text, "net.prototxt"), line, column);

    private static PrototxtException AssertError(Action parse, int line, int column)
    {
        var e = Assert.Throws<PrototxtException>(parse);
        Assert.Equal((line, column), (e.Line, e.Column));
        return e;
    }
}
