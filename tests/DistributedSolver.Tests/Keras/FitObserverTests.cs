using DistributedSolver.Keras;
using DistributedSolver.Training;

namespace DistributedSolver.Tests.Keras;

/// <summary>The epochs Fit reports are the means of what each training step and validation pass reported.</summary>
public sealed class FitObserverTests
{
    private static IterationReport Step(int iteration, float loss, float mae) =>
        new(iteration, 6, loss, 0.01f, 0, 0, Display: true, [new("loss", loss, 1), new("mae", mae, 0)]);

    [Fact]
    public void History_and_the_printed_lines_hold_each_epochs_mean_and_its_validation_pass()
    {
        var writer = new StringWriter();
        var observer = new FitObserver(stepsPerEpoch: 3, epochs: 2, ["loss", "mae"], validation: true, verbose: 2, writer);
        float[] losses = [4, 2, 3, 1, 0.5f, 0.25f], maes = [2, 1, 1.5f, 0.75f, 0.5f, 0.25f];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            for (int step = 0; step < 3; step++) observer.OnIteration(Step(epoch * 3 + step, losses[epoch * 3 + step], maes[epoch * 3 + step]));
            observer.OnTest(new TestReport((epoch + 1) * 3, 0, [new("loss", 10f + epoch, 1), new("mae", 5f + epoch, 0)], null));
        }
        var history = observer.History;
        Assert.Equal(["loss", "mae", "val_loss", "val_mae"], history.Keys);
        Assert.Equal([3f, 0.5833333f], history["loss"]);
        Assert.Equal([1.5f, 0.5f], history["mae"]);
        Assert.Equal([10f, 11f], history["val_loss"]);
        Assert.Equal([5f, 6f], history["val_mae"]);
        string[] lines = writer.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal("Epoch 1/2", lines[0]);
        Assert.EndsWith(" - loss: 3.0000 - mae: 1.5000 - val_loss: 10.0000 - val_mae: 5.0000", lines[1]);
        Assert.Equal("Epoch 2/2", lines[2]);
        Assert.EndsWith(" - loss: 0.5833 - mae: 0.5000 - val_loss: 11.0000 - val_mae: 6.0000", lines[3]);
        Assert.StartsWith("3/3 - ", lines[3]);
    }

    [Fact]
    public void Without_validation_an_epoch_ends_with_its_last_step_and_verbose_0_prints_nothing()
    {
        var writer = new StringWriter();
        var observer = new FitObserver(stepsPerEpoch: 2, epochs: 1, ["loss", "mae"], validation: false, verbose: 0, writer);
        observer.OnIteration(Step(0, 1, 1));
        observer.OnIteration(Step(1, 2, 3));
        Assert.Equal([1.5f], observer.History["loss"]);
        Assert.Equal([2f], observer.History["mae"]);
        Assert.Equal("", writer.ToString());
    }
}
